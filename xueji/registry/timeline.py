"""The pupil's timeline (学籍档案 · 时间线): every registration, verification, number, change, status change and
transfer of one pupil, with its request, approvals, proofs and before/after values, newest first.

The registry sits below the approval engine and the domain apps, so the timeline is a registry of sources: each
app registers a function that returns its own entries about a pupil (`register_timeline_source`); the registry
contributes the record's history rows (`StudentHistory`), its national numbers and its creation; the approval
engine adds the requests about the pupil with their actions and proofs; verification adds its checks.

A source is called as `source(user=, student=, before=, limit=)` with a pupil the user may see (the caller read it
through `student_get`), and returns at most `limit` `TimelineEntry`s strictly older than the cursor `before` (None:
from the newest), newest first, in bounded queries (an ORDER BY ... LIMIT on an index, never all rows). Entries are
ordered by (at, source, key): a cursor is the last entry of a page, so paging costs the same on page 1 and page 50,
for a pupil with 5 history rows or 5,000.

Sources give raw values (item keys, codes, stored text); this module presents them once for everyone: labels from
the national form's titles, codes as names, personal items and free text through the viewer's presenter
(`registry.display`, `registry.presenters`). No source masks anything itself, so none can forget to.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xueji.accounts.jurisdiction import within
from xueji.core.errors import ValidationFailed
from xueji.registry.choices import ChangeKind, NumberKind, RegStatus, VerifyStatus
from xueji.registry.display import Shown
from xueji.registry.models import FamilyMember, NationalNumber, Student, StudentHistory
from xueji.registry.presenters import presenter_for

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICRO = dt.timedelta(microseconds=1)


@dataclass(frozen=True, order=True)
class Cursor:
    """A place in a pupil's timeline: the (at, source, key) of the last entry shown."""

    at: dt.datetime
    source: str
    key: int

    def token(self) -> str:
        return f"{(self.at - _EPOCH) // _MICRO}.{self.source}.{self.key}"

    @classmethod
    def parse(cls, token: str | None) -> "Cursor | None":
        if not token:
            return None
        try:
            micros, source, key = str(token).split(".")
            return cls(at=_EPOCH + int(micros) * _MICRO, source=source, key=int(key))
        except (ValueError, OverflowError):
            raise ValidationFailed(_("This place in the timeline is not valid."), code="invalid_cursor",
                                   field="before") from None


def older_than(cursor: Cursor | None, source: str, *, at: str = "at", key: str = "pk") -> Q:
    """The rows of `source` that come after `cursor` in the timeline's order (older ones, newest first): a keyset
    condition on (at, source, key) that an index on (pupil, at) serves."""
    if cursor is None:
        return Q()
    condition = Q(**{f"{at}__lt": cursor.at})
    if source < cursor.source:
        condition |= Q(**{at: cursor.at})
    elif source == cursor.source:
        condition |= Q(**{at: cursor.at, f"{key}__lt": cursor.key})
    return condition


@dataclass
class TimelineEntry:
    """One event of a pupil's life in the record, as a source found it (raw: the timeline presents it)."""

    at: dt.datetime
    source: str  # the source's name; part of the order, so two sources never share one
    key: int  # the row's id in its source
    kind: str  # what happened, for programs: "status", "number", "request.approve", "proof", ...
    title: str  # what happened, in words (translated)
    icon: str = "bi-dot"
    tone: str = "secondary"  # primary | success | warning | danger | secondary | info
    actor: str = ""  # who did it (a user's name) and from which unit
    org: str = ""
    changes: tuple[tuple[str, Any, Any], ...] = ()  # (item key, before, after), stored values
    note: str = ""  # a reason or a comment (free text: masked as text)
    request_id: int | None = None  # the request it belongs to or came from
    links: tuple[tuple[str, str], ...] = ()  # (label, url)
    signed: bool | None = None  # a signed decision: its signature verified (True) or not (False); None: unsigned

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.at, self.source, self.key)


@dataclass(frozen=True)
class RequestRef:
    """A request as the timeline names it (for a user who may see it)."""

    title: str
    url: str
    status: str = ""


TimelineSource = Callable[..., Iterable[TimelineEntry]]
_sources: dict[str, TimelineSource] = {}
_request_lookups: dict[str, Callable[..., dict[int, RequestRef]]] = {}


def register_timeline_source(source: TimelineSource, *, name: str | None = None) -> TimelineSource:
    """Add a source of timeline entries (see the module); registering the same name again replaces it."""
    _sources[name or f"{source.__module__}.{source.__qualname__}"] = source
    return source


def register_request_lookup(lookup: Callable[..., dict[int, RequestRef]]) -> Callable:
    """The approval engine's answer to "which of these requests may this user see, under what title":
    `lookup(user=, ids=) -> {id: RequestRef}`. Entries whose request the user may not see show no link."""
    _request_lookups["requests"] = lookup
    return lookup


@dataclass
class TimelinePage:
    entries: list[dict] = field(default_factory=list)  # presented (see `present`)
    next: str = ""  # the cursor token of the next (older) page; empty at the end

    @property
    def has_more(self) -> bool:
        return bool(self.next)


def student_timeline(*, user, student: Student, before: Cursor | str | None = None,
                     limit: int = PAGE_SIZE) -> TimelinePage:
    """One page of a pupil's timeline, newest first, for a user who may see the pupil (`student_get` first):
    each source asked for `limit + 1` entries after the cursor, merged, cut to `limit`."""
    if not isinstance(before, Cursor):
        before = Cursor.parse(before)
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    found: list[TimelineEntry] = []
    for source in list(_sources.values()):
        found.extend(source(user=user, student=student, before=before, limit=limit + 1))
    found.sort(key=lambda e: e.cursor, reverse=True)
    page, more = found[:limit], len(found) > limit
    return TimelinePage(entries=present(user, page), next=page[-1].cursor.token() if more and page else "")


def present(user, entries: list[TimelineEntry]) -> list[dict]:
    """Entries as the user reads them: labels, names for codes, personal items and text through the presenter,
    requests named only if the user may see them."""
    presenter = presenter_for(user)
    shown = Shown.for_values(presenter, [(k, v) for e in entries for k, b, a in e.changes for v in (b, a)])
    ids = {e.request_id for e in entries if e.request_id}
    requests: dict[int, RequestRef] = {}
    for lookup in _request_lookups.values():
        requests.update(lookup(user=user, ids=ids) if ids else {})
    out = []
    for entry in entries:
        ref = requests.get(entry.request_id) if entry.request_id else None
        out.append({
            "at": entry.at, "kind": entry.kind, "title": presenter.text(str(entry.title)), "icon": entry.icon,
            "tone": entry.tone, "actor": entry.actor, "org": entry.org, "note": presenter.text(str(entry.note)),
            "changes": [{"key": key, "label": shown.label(key), "before": shown.value(key, before),
                         "after": shown.value(key, after)} for key, before, after in entry.changes],
            "request": {"id": entry.request_id, "title": presenter.text(ref.title), "url": ref.url,
                        "status": ref.status} if ref else None,
            "links": [{"label": presenter.text(str(label)), "url": url} for label, url in entry.links],
            "signed": entry.signed,
        })
    return out


# The registry's own sources ---------------------------------------------------------------------------------

_HISTORY_TITLES = {
    ChangeKind.STATUS: (gettext_lazy("Student status changed"), "bi-arrow-left-right", "primary"),
    ChangeKind.REGISTRATION: (gettext_lazy("Registration"), "bi-journal-check", "info"),
    ChangeKind.PLACEMENT: (gettext_lazy("School or class changed"), "bi-building", "primary"),
    ChangeKind.ITEMS: (gettext_lazy("Record items changed"), "bi-pencil-square", "secondary"),
    ChangeKind.IDENTITY: (gettext_lazy("Identity items changed"), "bi-person-badge", "warning"),
    ChangeKind.FAMILY: (gettext_lazy("Family members changed"), "bi-house-heart", "secondary"),
    ChangeKind.VERIFICATION: (gettext_lazy("Identity check"), "bi-shield-check", "success"),
    ChangeKind.LABEL: (gettext_lazy("Security label changed"), "bi-shield-lock", "danger"),
}
_REASONS = {"correct": gettext_lazy("Draft corrected before registration"),
            "takeover": gettext_lazy("Record taken over by a new school"),
            "id_revoked": gettext_lazy("ID number withdrawn by an arbitration")}
_FAMILY_ACTIONS = {"add": gettext_lazy("Family member added"), "update": gettext_lazy("Family member changed"),
                   "remove": gettext_lazy("Family member removed")}
_STATE_KEYS = {ChangeKind.STATUS: "status", ChangeKind.REGISTRATION: "reg_status",
               ChangeKind.VERIFICATION: "verify_status", ChangeKind.LABEL: "security_label"}


def _who(user) -> tuple[str, str]:
    if user is None:
        return str(_("the system")), ""
    org = getattr(user, "org_unit", None)
    return user.full_name or user.username, org.name if org is not None else ""


def _history_title(row: StudentHistory, members: dict[int, str]) -> str:
    title = _HISTORY_TITLES.get(row.kind, (row.kind, "", ""))[0]
    if row.kind == ChangeKind.REGISTRATION and row.new in RegStatus.values:
        return f"{title}：{RegStatus(row.new).label}"
    if row.kind == ChangeKind.VERIFICATION and row.new in VerifyStatus.values:
        return f"{title}：{VerifyStatus(row.new).label}"
    if row.kind == ChangeKind.FAMILY:
        changes = row.changes or {}
        name = (changes.get("name") or [None, None])
        who = members.get(changes.get("member")) or name[1] or name[0] or ""
        words = _FAMILY_ACTIONS.get(changes.get("action"), title)
        return f"{words}：{who}" if who else str(words)
    return str(title)


def _history_changes(row: StudentHistory) -> tuple[tuple[str, Any, Any], ...]:
    if row.kind in _STATE_KEYS:
        return ((_STATE_KEYS[row.kind], row.old or None, row.new or None),)
    prefix = "family." if row.kind == ChangeKind.FAMILY else ""
    return tuple((prefix + key, pair[0], pair[1]) for key, pair in sorted((row.changes or {}).items())
                 if isinstance(pair, list | tuple) and len(pair) == 2)


def history_entries(*, user, student: Student, before: Cursor | None, limit: int) -> list[TimelineEntry]:
    """The record's history rows: status, registration, placement, items, identity, family, verification."""
    rows = list(within(StudentHistory.objects.filter(student=student), user).filter(older_than(before, "history"))
                .select_related("actor__org_unit").order_by("-at", "-id")[:limit])
    member_ids = {(r.changes or {}).get("member") for r in rows if r.kind == ChangeKind.FAMILY} - {None}
    members = dict(FamilyMember.objects.filter(pk__in=member_ids).values_list("pk", "name")) if member_ids else {}
    entries = []
    for row in rows:
        _title, icon, tone = _HISTORY_TITLES.get(row.kind, ("", "bi-dot", "secondary"))
        actor, org = _who(row.actor)
        entries.append(TimelineEntry(
            at=row.at, source="history", key=row.pk, kind=row.kind, title=_history_title(row, members), icon=icon,
            tone=tone, actor=actor, org=org, changes=_history_changes(row),
            note=str(_REASONS.get(row.reason, row.reason)), request_id=row.request_id))
    return entries


def number_entries(*, user, student: Student, before: Cursor | None, limit: int) -> list[TimelineEntry]:
    """Every national number issued to the pupil, with the number it replaced."""
    rows = list(within(NationalNumber.objects.filter(student=student), user)
                .filter(older_than(before, "number", at="issued_at")).order_by("-issued_at", "-id")[:limit])
    replaced = dict(NationalNumber.objects.filter(student=student, superseded_at__in=[r.issued_at for r in rows])
                    .values_list("superseded_at", "number")) if rows else {}
    return [TimelineEntry(
        at=row.issued_at, source="number", key=row.pk, kind="number",
        title=f"{_('National student number issued')}：{_number_kind(row.kind)}", icon="bi-upc-scan", tone="success",
        changes=(("national_number", replaced.get(row.issued_at), row.number),)) for row in rows]


def _number_kind(kind: str) -> str:
    return str(NumberKind(kind).label) if kind in NumberKind.values else kind


def creation_entries(*, user, student: Student, before: Cursor | None, limit: int) -> list[TimelineEntry]:
    """The day the record was entered (the first entry of every timeline)."""
    entry = TimelineEntry(at=student.created_at, source="created", key=student.pk, kind="created",
                          title=str(_("Record entered")), icon="bi-person-plus", tone="info")
    return [entry] if before is None or entry.cursor < before else []


register_timeline_source(history_entries, name="registry.history")
register_timeline_source(number_entries, name="registry.numbers")
register_timeline_source(creation_entries, name="registry.created")
