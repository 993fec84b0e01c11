"""Request types: each domain registers what its requests do when approved, returned or withdrawn."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xueji.core.errors import ValidationFailed


@dataclass(frozen=True)
class RequestType:
    code: str
    label: str  # Chinese name shown in inboxes
    default_route: tuple[dict[str, str], ...]
    # Called in the transaction of the last approval; returns a JSON-able result stored on the request.
    apply: Callable[..., Any]
    on_returned: Callable[..., None] | None = None
    on_withdrawn: Callable[..., None] | None = None
    # Called under the request's lock before a returned request starts its next round: the filer's checks again.
    on_resubmit: Callable[..., None] | None = None
    filer_roles: tuple[str, ...] = ("registrar",)
    window_kind: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_types: dict[str, RequestType] = {}


def register(request_type: RequestType) -> RequestType:
    _types[request_type.code] = request_type
    return request_type


def request_type(code: str) -> RequestType:
    try:
        return _types[code]
    except KeyError:
        raise ValidationFailed(f"Unknown request type {code!r}.", code="unknown_request_type") from None


def all_types() -> list[RequestType]:
    return sorted(_types.values(), key=lambda t: t.code)


def step(resolver: str, role: str) -> dict[str, str]:
    return {"resolver": resolver, "role": role}
