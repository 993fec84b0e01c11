"""The approval engine's part of the pupil's timeline (`registry.timeline`): the requests about a pupil, with
every action on them (filed, approved, returned, ...) and every proof uploaded, for a user who may see them.

A request is about a pupil when its main subject is the pupil (`subject_type`/`subject_id`), when it claimed the
pupil as a subject (`RequestSubject`), when it is the pupil's registration request, or when a history row of the
pupil names it (`StudentHistory.request_id`: the door records the request of every change it makes). Apps whose
requests are about something else that belongs to a pupil (a problem record's member) add theirs with
`register_pupil_requests(fn)`, fn(student) -> a queryset of one column, request ids (joined by UNION).

The pupil's request ids are one UNION query of index lookups, those the user may see one more (both read once for
the two sources); each source is then one query (a LIMIT over the requests' actions or proofs; none when there are
no requests), plus none per row.
"""

from collections.abc import Callable

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.core.errors import ValidationFailed
from xueji.registry.models import Student, StudentHistory
from xueji.registry.timeline import (
    Cursor,
    RequestRef,
    TimelineEntry,
    older_than,
    register_request_lookup,
    register_timeline_source,
)
from xueji.workflow.models import Action, ActionKind, Proof, Request, RequestStatus, RequestSubject
from xueji.workflow.selectors import request_list
from xueji.workflow.signatures import actions_verified
from xueji.workflow.types import request_type

PUPIL = "registry.student"
_extra_links: dict[str, Callable[[Student], QuerySet]] = {}


def register_pupil_requests(fn: Callable[[Student], QuerySet], *, name: str | None = None) -> Callable:
    """Add requests about a pupil that the engine cannot see from its subjects: fn(student) -> request ids."""
    _extra_links[name or f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def _about_ids(student: Student) -> list[int]:
    """The ids of the requests about a pupil: one UNION of index lookups (the main subject, the claimed subjects,
    the history rows, each app's links), read once per pupil object. As ORs of subqueries in the requests' WHERE
    they made PostgreSQL scan every request of the province for each timeline."""
    cached = student.__dict__.get("_about_request_ids")
    if cached is not None:
        return cached
    key = str(student.pk)
    parts = [RequestSubject.objects.filter(subject__kind=PUPIL, subject__key=key).values_list("request_id"),
             StudentHistory.objects.filter(student_id=student.pk, request_id__isnull=False).values_list("request_id"),
             *(fn(student) for fn in _extra_links.values())]
    main = Request.objects.filter(subject_type=PUPIL, subject_id=key).values_list("pk")
    ids = {pk for (pk,) in main.order_by().union(*(part.order_by() for part in parts))}
    if student.registration_request_id:
        ids.add(student.registration_request_id)
    student.__dict__["_about_request_ids"] = found = sorted(ids)
    return found


def pupil_requests(*, user, student: Student) -> QuerySet[Request]:
    """The requests about a pupil that this user may see (none without the right to see requests)."""
    if not has_cap(user, Cap.REQUEST_VIEW):
        return Request.objects.none()
    return request_list(user=user).filter(pk__in=_about_ids(student))


def _visible_ids(user, student: Student) -> list[int]:
    """The ids of `pupil_requests`, read once per pupil object and user for the timeline's two sources (none: no
    query for their actions and proofs)."""
    memo = student.__dict__.setdefault("_visible_request_ids", {})
    if user.pk not in memo:
        ids = _about_ids(student)
        memo[user.pk] = list(pupil_requests(user=user, student=student).values_list("pk", flat=True)) if ids else []
    return memo[user.pk]


def _type_label(code: str) -> str:
    try:
        return str(request_type(code).label)
    except ValidationFailed:  # a type no longer registered: its code
        return code


_TONES = {ActionKind.SUBMIT: "primary", ActionKind.RESUBMIT: "primary", ActionKind.APPROVE: "success",
          ActionKind.COMPLETE: "success", ActionKind.RETURN: "warning", ActionKind.REJECT: "danger",
          ActionKind.WITHDRAW: "secondary", ActionKind.CANCEL: "danger"}
_ICONS = {ActionKind.SUBMIT: "bi-send", ActionKind.RESUBMIT: "bi-send", ActionKind.APPROVE: "bi-check2-circle",
          ActionKind.COMPLETE: "bi-check2-all", ActionKind.RETURN: "bi-arrow-return-left",
          ActionKind.REJECT: "bi-x-circle", ActionKind.WITHDRAW: "bi-arrow-counterclockwise",
          ActionKind.CANCEL: "bi-slash-circle"}


def _payload_changes(action: Action) -> tuple:
    """What a filing asks to change, before and after, when its payload says so ({"changes": {...}, "before":
    {...}}: the change requests of the domains)."""
    if action.kind not in (ActionKind.SUBMIT, ActionKind.RESUBMIT):
        return ()
    payload = action.request.payload or {}
    after, before = payload.get("changes"), payload.get("before") or {}
    if not isinstance(after, dict):
        return ()
    before = before if isinstance(before, dict) else {}
    return tuple((key, before.get(key), value) for key, value in sorted(after.items()))


def action_entries(*, user, student: Student, before: Cursor | None, limit: int) -> list[TimelineEntry]:
    requests = _visible_ids(user, student)
    if not requests:
        return []
    rows = list(Action.objects.filter(request_id__in=requests).filter(older_than(before, "request"))
                .select_related("request", "actor", "org_unit").order_by("-at", "-id")[:limit])
    signed = actions_verified(rows)
    return [TimelineEntry(
        at=row.at, source="request", key=row.pk, kind=f"request.{row.kind}",
        title=f"{_type_label(row.request.type)}：{row.get_kind_display()}", icon=_ICONS.get(row.kind, "bi-dot"),
        tone=_TONES.get(row.kind, "secondary"), actor=row.actor.full_name or row.actor.username,
        org=row.org_unit.name, changes=_payload_changes(row), note=row.comment, request_id=row.request_id,
        signed=signed.get(row.pk)) for row in rows]


def proof_entries(*, user, student: Student, before: Cursor | None, limit: int) -> list[TimelineEntry]:
    requests = _visible_ids(user, student)
    if not requests:
        return []
    rows = (Proof.objects.filter(request_id__in=requests)
            .filter(older_than(before, "proof", at="uploaded_at")).select_related("uploaded_by__org_unit")
            .order_by("-uploaded_at", "-id")[:limit])
    entries = []
    for row in rows:
        org = row.uploaded_by.org_unit
        entries.append(TimelineEntry(
            at=row.uploaded_at, source="proof", key=row.pk, kind="proof", title=str(_("Proof uploaded")),
            icon="bi-paperclip", tone="secondary", actor=row.uploaded_by.full_name or row.uploaded_by.username,
            org=org.name if org is not None else "", note=row.description or row.original_name,
            request_id=row.request_id,
            links=((row.original_name, reverse("workflow:proof_download", args=[row.pk])),)))
    return entries


def request_refs(*, user, ids) -> dict:
    if not has_cap(user, Cap.REQUEST_VIEW):
        return {}
    return {pk: RequestRef(title=title, url=reverse("workflow:request_detail", args=[pk]),
                           status=str(RequestStatus(status).label) if status in RequestStatus.values else status)
            for pk, title, status in request_list(user=user).filter(pk__in=list(ids))
            .values_list("pk", "title", "status")}


register_timeline_source(action_entries, name="workflow.actions")
register_timeline_source(proof_entries, name="workflow.proofs")
register_request_lookup(request_refs)
