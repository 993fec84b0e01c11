"""Per-request context (request id, client IP) that services read when they audit."""

import contextvars
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None
    # During a password loan (accounts/loans.py): the borrower, who acts on behalf of the signed-in lender.
    acted_by: str = ""


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("xueji_request", default=None)
_deferred: contextvars.ContextVar[list | None] = contextvars.ContextVar("xueji_deferred", default=None)


def current() -> RequestContext:
    ctx = _current.get()
    if ctx is None:
        return RequestContext(request_id=f"sys-{uuid.uuid4().hex[:16]}", ip=None)
    return ctx


def bind(ctx: RequestContext | None) -> contextvars.Token:
    return _current.set(ctx)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)


def defer(work: Callable[[Any], None]) -> None:
    """Run `work(user)` when the request's view has returned, after every transaction of the view ended: a record of
    a refused operation (e.g. core.malware's "upload.malware") that the refusal's rollback must not take with it.
    Outside a request (a job, a command) it runs at once, with user None."""
    pending = _deferred.get()
    if pending is None:
        work(None)
    else:
        pending.append(work)


def run_deferred(request) -> None:
    """RequestContextMiddleware: the request's deferred work, with the signed-in user (or None)."""
    pending = _deferred.get() or []
    user = getattr(request, "user", None)
    while pending:
        pending.pop(0)(user if getattr(user, "is_authenticated", False) else None)


def open_deferred() -> contextvars.Token:
    return _deferred.set([])


def close_deferred(token: contextvars.Token) -> None:
    _deferred.reset(token)
