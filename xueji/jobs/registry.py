"""Job kinds: each app registers the functions that do its long work."""

from collections.abc import Callable
from typing import Any

Handler = Callable[["JobContext"], Any]  # noqa: F821
_handlers: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _handlers[kind] = fn
        return fn

    return register


def handler_for(kind: str) -> Handler:
    return _handlers[kind]


def kinds() -> list[str]:
    return sorted(_handlers)
