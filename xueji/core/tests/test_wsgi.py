"""The WSGI entry point freezes what a worker loaded (gc.freeze): a full garbage collection never walks Django's
apps, the pinyin dictionaries and the first requests' caches again (the seconds-long pauses of bench/load.py)."""

import gc
import importlib


def test_the_worker_freezes_what_it_loaded_then_what_its_first_requests_loaded(monkeypatch):
    from config import wsgi

    try:
        gc.unfreeze()
        importlib.reload(wsgi)
        assert gc.get_freeze_count() > 10_000  # the apps and their modules
        gc.unfreeze()
        monkeypatch.setattr(wsgi, "django_application", lambda environ, start_response: [b"ok"])
        monkeypatch.setattr(wsgi, "_served", wsgi.WARM_UP_REQUESTS - 2)
        assert wsgi.application({}, None) == [b"ok"]
        assert gc.get_freeze_count() == 0
        assert wsgi.application({}, None) == [b"ok"]  # the last request of the warm-up
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
