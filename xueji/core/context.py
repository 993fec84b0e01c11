"""Per-request context (request id, client IP) that services read when they audit."""

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None
    # During a password loan (accounts/loans.py): the borrower, who acts on behalf of the signed-in lender.
    acted_by: str = ""


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("xueji_request", default=None)


def current() -> RequestContext:
    ctx = _current.get()
    if ctx is None:
        return RequestContext(request_id=f"sys-{uuid.uuid4().hex[:16]}", ip=None)
    return ctx


def bind(ctx: RequestContext | None) -> contextvars.Token:
    return _current.set(ctx)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)
