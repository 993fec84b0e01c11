import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
django_application = get_wsgi_application()

from django.urls import get_resolver  # noqa: E402

from xueji.support.polling import wsgi_idle  # noqa: E402 - after the apps are loaded

# Every view module imported now, not by the first request each worker serves (a second of CPU in someone's
# request), and then frozen with the rest below.
len(get_resolver().url_patterns)

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
    """Django's handler, but an idle conversation poll (xueji/support/polling.py) is answered here first: a 204 after
    one query, or on a threaded server held here until a message of its conversation comes (support.notify)."""
    global _served
    headers = wsgi_idle(environ)
    if headers is not None:
        start_response("204 No Content", headers)
        return []
    response = django_application(environ, start_response)
    _served += 1
    if _served == WARM_UP_REQUESTS:
        gc.collect()
        gc.freeze()
    return response
