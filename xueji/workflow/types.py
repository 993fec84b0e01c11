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
    # How the request's payload is shown: fn(payload, presenter) -> dict, where the presenter (registry's
    # `Presenter` for the viewer) masks pupils' personal items. None: the whole payload through the presenter.
    present_payload: Callable[[dict, Any], dict] | None = None


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


def payload_shown(request, presenter) -> dict:
    """A request's payload as its viewer may see it: each type presents its own payload through the viewer's
    presenter (a correction's old and new ID masked for a leader); by default every personal item is masked.
    The stored payload stays complete: the effect of approval reads it."""
    payload = request.payload or {}
    present = _types[request.type].present_payload if request.type in _types else None
    return presenter.mapping(present(payload, presenter) if present is not None else payload)
