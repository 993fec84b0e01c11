import pytest


@pytest.fixture(autouse=True)
def _reaper_due():
    """The reaper on reads runs at most every 30 s per process: each test starts with it due."""
    from xueji.jobs import services

    services._last_reap[0] = 0.0
