"""The one clock of the system. All code asks it for the time; tests move it with `frozen`."""

import contextlib
import datetime as dt
import zoneinfo
from collections.abc import Iterator

from django.utils import timezone

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
_offset = dt.timedelta(0)
_fixed: dt.datetime | None = None


def now() -> dt.datetime:
    if _fixed is not None:
        return _fixed
    return timezone.now() + _offset


def today() -> dt.date:
    """Today's date in Asia/Shanghai: deadlines and business windows are dates there."""
    return now().astimezone(SHANGHAI).date()


@contextlib.contextmanager
def frozen(at: dt.datetime | dt.date) -> Iterator[None]:
    """Fix the clock at a moment (a date means 09:00 that day in Shanghai)."""
    global _fixed
    if isinstance(at, dt.date) and not isinstance(at, dt.datetime):
        at = dt.datetime.combine(at, dt.time(9, 0), tzinfo=SHANGHAI)
    previous, _fixed = _fixed, at
    try:
        yield
    finally:
        _fixed = previous


@contextlib.contextmanager
def shifted(delta: dt.timedelta) -> Iterator[None]:
    """Move the clock forward (or back) by a delta while the block runs."""
    global _offset
    previous, _offset = _offset, _offset + delta
    try:
        yield
    finally:
        _offset = previous
