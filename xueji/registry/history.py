"""The record as of a date (时点学籍): a pupil as they stood at the end of a chosen day (school, class, status,
registration, items, family members, national number), for appeals and audits.

It replays the history backwards from the current values: every history row newer than the day is undone, newest
first (a status row gives back its `old`, an item row each item's "before", a family row adds back a removed member,
takes away an added one, or restores a member's changed items). The numbers come from `NationalNumber` (issued and
superseded). Before the record was entered there is nothing to show (`exists` is False).

Bounded whatever the length of the history: one query for the rows newer than the day (only the columns replayed),
one for each registered state source (the graduations, which write no history row per pupil), one for the number,
one each for the school and the class; the current record, details and family are the page's own reads. The
identity-check state is not replayed: batch verification runs set it without history rows (their checks are on the
timeline); the as-of record leaves it out rather than show a wrong one.
"""

import copy
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q

from xueji.accounts.jurisdiction import within
from xueji.core.clock import SHANGHAI
from xueji.registry.choices import ChangeKind
from xueji.registry.models import FamilyMember, NationalNumber, Student, StudentDetail, StudentHistory
from xueji.schools.models import School, SchoolClass

_STATE = {ChangeKind.STATUS: "status", ChangeKind.REGISTRATION: "reg_status", ChangeKind.LABEL: "security_label"}
_STUDENT_FIELDS = {f.attname: f for f in Student._meta.concrete_fields}
_DETAIL_FIELDS = {f.attname: f for f in StudentDetail._meta.concrete_fields}
_FAMILY_FIELDS = {f.attname: f for f in FamilyMember._meta.concrete_fields}


# Changes of state kept outside the history rows: an app whose bulk change writes no history row per pupil keeps
# its own row per pupil with the state before (graduation: the graduate rows) and registers here a function
# `source(student=, end=)` that gives those changes at or after `end` as (at, order key, ChangeKind, old value).
StateSource = Callable[..., Iterable[tuple[dt.datetime, int, str, str]]]
_state_sources: dict[str, StateSource] = {}


def register_state_source(source: StateSource, *, name: str) -> StateSource:
    """Add a source of state changes the replay undoes with the history rows (see above)."""
    _state_sources[name] = source
    return source


@dataclass
class RecordAsOf:
    """A pupil as they stood at the end of `date` (unsaved copies: never save them)."""

    date: dt.date
    exists: bool
    student: Student | None = None
    detail: StudentDetail | None = None
    family: list[FamilyMember] = field(default_factory=list)
    changes_undone: int = 0  # how many history rows were replayed backwards


def end_of_day(date: dt.date) -> dt.datetime:
    """The first moment after `date` in Asia/Shanghai (business dates are dates there)."""
    return dt.datetime.combine(date + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI)


def _python(fields: dict, attname: str, value):
    model_field = fields.get(attname)
    if model_field is None or value is None:
        return value
    try:
        return model_field.to_python(value)
    except ValidationError:
        return value


def record_as_of(*, user, student: Student, date: dt.date, detail: StudentDetail | None = None,
                 family: list[FamilyMember] | None = None) -> RecordAsOf:
    """The record of a pupil the user may see (`student_get` first) as of the end of `date`. `detail` and
    `family` are the current ones when the caller already read them (the page did), else they are read here."""
    end = end_of_day(date)
    if student.created_at >= end:
        return RecordAsOf(date=date, exists=False)
    if detail is None:
        detail = within(StudentDetail.objects.filter(student=student), user).first()
    if family is None:
        family = list(within(FamilyMember.objects.filter(student=student), user))
    then = copy.copy(student)
    then_detail = copy.copy(detail) if detail is not None else StudentDetail(student_id=student.pk)
    members = {m.pk: copy.copy(m) for m in family}
    undone = 0
    rows = (within(StudentHistory.objects.filter(student=student, at__gte=end), user).order_by("-at", "-id")
            .values_list("at", "id", "kind", "old", "changes"))
    events = [(at, 1, pk, kind, old, changes) for at, pk, kind, old, changes in rows.iterator(chunk_size=500)]
    outside = [(at, 0, pk, kind, old, None) for source in _state_sources.values()
               for at, pk, kind, old in source(student=student, end=end)]
    if outside:  # merged newest first; at one moment a history row is undone before a source's change
        events = sorted(events + outside, key=lambda event: event[:3], reverse=True)
    for _at, _order, _pk, kind, old, changes in events:
        undone += 1
        changes = changes or {}
        if kind in _STATE:
            setattr(then, _STATE[kind], old)
        elif kind == ChangeKind.FAMILY:
            _undo_family(members, student, changes)
        elif kind != ChangeKind.VERIFICATION:
            _undo_items(then, then_detail, changes)
    number = (within(NationalNumber.objects.filter(student=student, issued_at__lt=end), user)
              .filter(Q(superseded_at__isnull=True) | Q(superseded_at__gte=end)).order_by("-issued_at", "-id")
              .values_list("number", flat=True).first())
    then.national_number = number
    then.verify_status = ""  # not replayed (see the module)
    if then.school_id != student.school_id:
        then.school = School.objects.filter(pk=then.school_id).first() or student.school
    if then.school_class_id != student.school_class_id:
        then.school_class = SchoolClass.objects.filter(pk=then.school_class_id).first() if then.school_class_id \
            else None
    return RecordAsOf(date=date, exists=True, student=then, detail=then_detail,
                      family=sorted(members.values(), key=lambda m: m.pk or 0), changes_undone=undone)


def _undo_items(then: Student, detail: StudentDetail, changes: dict) -> None:
    for key, pair in changes.items():
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        before = pair[0]
        if key.startswith("detail."):
            name = key.split(".", 1)[1]
            if name in _DETAIL_FIELDS:
                setattr(detail, name, _python(_DETAIL_FIELDS, name, before))
        elif key in _STUDENT_FIELDS:
            setattr(then, key, _python(_STUDENT_FIELDS, key, before))


def _undo_family(members: dict[int, FamilyMember], student: Student, changes: dict) -> None:
    pk, action = changes.get("member"), changes.get("action")
    values = {k: v[0] for k, v in changes.items() if k not in ("member", "action") and isinstance(v, list | tuple)
              and len(v) == 2}
    if action == "add":
        members.pop(pk, None)
    elif action == "remove":
        member = FamilyMember(pk=pk, student_id=student.pk)
        for key, value in values.items():
            if key in _FAMILY_FIELDS:
                setattr(member, key, _python(_FAMILY_FIELDS, key, value))
        members[pk] = member
    elif action == "update" and pk in members:
        for key, value in values.items():
            if key in _FAMILY_FIELDS:
                setattr(members[pk], key, _python(_FAMILY_FIELDS, key, value))
