"""Request types: each domain registers, from its own module, what its requests are about and what they do.

A type declares its subjects (kinds of `Subject` rows) and the types it excludes on the same subject, its
parties (computed from the subject, named per side and level: see `resolvers`), the route key of a case and a
default route per key, the checks of the data a decision may carry, its effect, its undo (cancel after
approval), its follow-up work (调档), and how it presents its payload. The engine (`services`) does the rest.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation

from xueji.core.errors import ValidationFailed, XuejiError
from xueji.core.sealing import blind_index


@dataclass(frozen=True)
class SubjectKind:
    """A kind of thing requests are about (a pupil, a problem record's member): one row of the subject table."""

    code: str
    label: Any
    # The key is personal data (an ID number, a national student number): stored as its blind index
    # (core.sealing), which is all a subject is compared by (SECURITY.md row 24).
    personal: bool = False


_subject_kinds: dict[str, SubjectKind] = {}


def register_subject(code: str, label, *, personal: bool = False) -> SubjectKind:
    kind = SubjectKind(code, label, personal)
    _subject_kinds[code] = kind
    return kind


def subject_key(code: str, key: Any) -> str:
    """The stored key of a subject (the subject table's key, a request's subject_id): the blind index of a
    personal kind's key, the key itself otherwise."""
    key = "" if key is None else str(key)
    kind = _subject_kinds.get(code)
    if kind is not None and kind.personal and key:
        return blind_index(key)
    return key


def subject_kind(code: str) -> SubjectKind:
    try:
        return _subject_kinds[code]
    except KeyError:
        raise ValidationFailed(f"Unknown subject kind {code!r}.", code="unknown_subject_kind") from None


@dataclass(frozen=True)
class FollowUp:
    """Work after approval (调档: the receiving school retrieves the file): one party and role complete it;
    `complete(request=, actor=, data=)` is the type's part, run in the engine's transaction."""

    party: str
    role: str
    complete: Callable[..., Any]
    label: Any = ""


@dataclass(frozen=True)
class RequestType:
    code: str
    label: Any  # translated (lazy): inboxes and the API show it in the reader's language
    default_route: tuple[dict[str, str], ...]
    # Called in the transaction of the last approval; returns a JSON-able result stored on the request.
    apply: Callable[..., Any]
    on_returned: Callable[..., None] | None = None
    on_withdrawn: Callable[..., None] | None = None
    # Called under the request's lock before a returned request starts its next round: the filer's checks again.
    on_resubmit: Callable[..., None] | None = None
    filer_roles: tuple[str, ...] = ("registrar",)
    window_kind: str | None = None
    # Anything else a type declares; "page": fn(request) -> the URL of the type's own page of a request (a
    # transfer's, with the class choice at the receiving school's step), costing no query: the engine's pages link
    # and send there instead of its generic request page.
    extra: dict[str, Any] = field(default_factory=dict)
    # How the request's payload is shown: fn(payload, presenter) -> dict, where the presenter (registry's
    # `Presenter` for the viewer) masks pupils' personal items. None: the whole payload through the presenter.
    present_payload: Callable[[dict, Any], dict] | None = None
    # The kinds of subject this type is about, and the types (codes, itself included if so) that may not be
    # open on the same subject at the same time; the exclusion is symmetric and enforced under lock.
    subjects: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    # fn(request) -> {party name: OrgUnit}: the parties computed from the subject, frozen at submit.
    parties: Callable[..., dict] | None = None
    # Which of those parties see the request from submit on (None: all of them). Holders of steps see it anyway.
    visible_parties: tuple[str, ...] | None = None
    # fn(request) -> route key (e.g. resolvers.distance_key: same_county / across_counties / ...); and the
    # type's own route per key (a province may store its own per key: policy.route_set).
    route_key: Callable[..., str] | None = None
    routes: dict[str, tuple[dict[str, str], ...]] = field(default_factory=dict)
    # fn(request=, step=, data=) -> the cleaned data an approval carries (stored on the action), or raises.
    check_decision: Callable[..., dict] | None = None
    # Called when the request is rejected (final), and when an approved request is cancelled (the undo;
    # without one, approved requests of this type cannot be cancelled).
    on_rejected: Callable[..., None] | None = None
    undo: Callable[..., Any] | None = None
    follow_up: FollowUp | None = None

    def route_for(self, key: str) -> tuple[dict[str, str], ...]:
        return self.routes.get(key) or self.default_route

    def stored_label(self) -> str:
        """The label in the system's language (Chinese), for texts stored on a request, such as its title: a
        request filed by an English reader reads the same to everyone afterwards."""
        with translation.override(settings.LANGUAGE_CODE):
            return str(self.label)

    def excluding(self) -> set[str]:
        """The types that may not be open on a subject of this type: those it names, and those naming it."""
        return set(self.excludes) | {t.code for t in _types.values() if self.code in t.excludes}


_types: dict[str, RequestType] = {}


def register(request_type: RequestType) -> RequestType:
    for kind in request_type.subjects:
        subject_kind(kind)  # a type is about declared kinds of subject only
    _types[request_type.code] = request_type
    return request_type


def unregister(code: str) -> None:
    """For tests that register a type of their own."""
    _types.pop(code, None)


def request_type(code: str) -> RequestType:
    try:
        return _types[code]
    except KeyError:
        raise ValidationFailed(f"Unknown request type {code!r}.", code="unknown_request_type") from None


def all_types() -> list[RequestType]:
    return sorted(_types.values(), key=lambda t: t.code)


def step(resolver: str, role: str) -> dict[str, str]:
    return {"resolver": resolver, "role": role}


def page_of(request) -> str | None:
    """The URL of the request type's own page of this request (RequestType.extra["page"]), or None."""
    kind = _types.get(request.type)
    page = kind.extra.get("page") if kind is not None else None
    return page(request) if page is not None else None


def payload_shown(request, presenter) -> dict:
    """A request's payload as its viewer may see it: each type presents its own payload through the viewer's
    presenter (a correction's old and new ID masked for a leader); by default every personal item is masked.
    The stored payload stays complete: the effect of approval reads it."""
    payload = request.payload or {}
    present = _types[request.type].present_payload if request.type in _types else None
    return presenter.mapping(present(payload, presenter) if present is not None else payload)



def refusal_leaving(refusal: XuejiError, work: Callable[[], Any]) -> XuejiError:
    """A refusal of a type's effect (or of its decision check) that leaves work behind: the engine undoes the
    decision, then runs `work()` in a transaction of its own, and raises the refusal on (services.request_decide).
    For what must be kept although the approval is refused, e.g. the problem record of an identity clash."""
    refusal.after_rollback = work
    return refusal
