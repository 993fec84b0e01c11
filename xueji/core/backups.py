"""The one hook for "take a full backup now" (below every app): operations (xueji.ops) registers the function that
takes it; work that must not start without one (the yearly promotion, xueji.schoolyear) calls `backup_before`.
Without a registered taker (a deployment without the ops app) nothing happens and the caller goes on."""

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

# taker(reason=...) -> a small JSON-able summary of the backup (its name, size, checksum), or None when the
# deployment's settings turn the backups before such work off. A failure raises: the caller must not start.
Taker = Callable[..., Any]
_takers: list[Taker] = []


def register_taker(fn: Taker) -> Taker:
    if fn not in _takers:
        _takers.append(fn)
    return fn


def backup_before(*, reason: str) -> Any:
    """Take the full backup before `reason`'s work starts; the summary of the last taker (None without one)."""
    summary = None
    for taker in _takers:
        summary = taker(reason=reason)
    return summary
