import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
django_application = get_wsgi_application()

# What a worker loads at start-up (Django's apps, the pinyin dictionaries: some 300,000 lists, tuples and dicts)
# and in its first requests (the compiled templates, the API's serializers, modules imported late) lives as long as
# the worker. Left to the garbage collector, every full collection walks it all again: a pause of 100 ms or more
# in whichever request set it off, over a second on a busy machine (the tails of bench/load.py). Frozen (moved to
# the collector's permanent generation, gc.freeze), it is never scanned again; only what later requests create is.
gc.collect()
gc.freeze()
WARM_UP_REQUESTS = 100  # then freeze again what the first requests loaded
_served = 0


def application(environ, start_response):
    global _served
    response = django_application(environ, start_response)
    _served += 1
    if _served == WARM_UP_REQUESTS:
        gc.collect()
        gc.freeze()
    return response
