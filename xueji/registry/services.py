"""Writes to the registry: the one door of the pupil record (学籍). Only this module writes `Student`,
`StudentDetail`, `FamilyMember`, `NationalNumber` and `StudentHistory` (a test refuses writes elsewhere:
tests/test_one_door.py): entering pupils (one or many), correcting drafts, registration states, status changes
through a transition table, placement, record items (identity included), family members, identity-check states,
numbers and deletion; and exports. Every change of a pupil's status, placement, items or family writes one
history row (each changed item before and after), read by the timeline and the record as of a date.

Most doors below are called by the effects of approved requests (the approval engine has checked the actor) or
by another service that checked the capability; each writes its history and audit rows in the caller's
transaction. Set-based callers get set-based doors (one UPDATE ... WHERE, COPY), never a loop of saves.

Why one module of ~800 lines: it is the one door (issue 7, item 9). The one-door test and the lint rule name this
module as the only writer of the pupil tables; split across modules, the door would have several frames and the
rule would have to trust each of them. Sections: bulk entry and COPY, identity, entry and drafts, statuses and
placement, registration states, record items and family, verification states, numbers, deletion.

The pupil counts (`registry/counts.py`, summary rows per class by status and registration state) are kept here
too, in the same transaction: every door that enters, deletes or moves a pupil between schools, classes,
statuses or registration states adds the change of each group it touched (`counts.one`, `counts.add`, or
`counts.groups` before and after a set-based UPDATE with `counts.moved`). A new door that changes one of those
four columns must do the same; tests/test_counts.py runs the doors and compares the rows with a fresh COUNT.
Every door that writes a pupil's row also calls `counts.before(ids)` before the write and `counts.after(...)`
after it: the summaries of the apps above (reports: pupils by county, stage, cohort, sex, ethnic group, hukou, ...)
registered as `counts.Watcher`s add the difference of those pupils' groups in the same transaction."""

import datetime as dt
import functools
import operator
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xueji.accounts.jurisdiction import access, require_org_within
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record, diff, snapshot
from xueji.core import clock
from xueji.core.db import insert_rows, int_array, update_rows
from xueji.core.errors import Conflict, ValidationFailed
from xueji.core.fields import row_sealer
from xueji.core.labels import SecurityLabel
from xueji.core.sealing import blind_index, unseal
from xueji.jobs.models import Job
from xueji.jobs.services import job_start
from xueji.regions.models import province_code_of
from xueji.regions.selectors import org_unit_get
from xueji.registry import counts
from xueji.registry.choices import (
    ON_ROLL,
    REG_TRANSITIONS,
    SEATED,
    ChangeKind,
    StudentStatus,
    VerifyStatus,
    status_change_allowed,
)
from xueji.registry.guards import require_deletable, require_room
from xueji.registry.models import (
    FamilyMember,
    NationalNumber,
    RegStatus,
    Student,
    StudentDetail,
    StudentHistory,
    StudentMac,
)
from xueji.registry.validation import CleanStudent, name_initials, name_pinyin
from xueji.schools.models import School, SchoolClass
from xueji.schools.selectors import class_get, school_get

GUARDIAN_FIELDS = {f.name for f in FamilyMember._meta.concrete_fields} - {"id", "student"}


@dataclass(frozen=True)
class ExportStarted:
    """What starting an export did: the job that runs now, or the approval request filed instead (a bulk export
    past the province's size threshold waits for the leader of the requester's unit: exchange.exports)."""

    job: Job | None = None
    request: object | None = None  # a workflow Request
    rows: int = 0
    threshold: int | None = None
    full_ids: bool = False  # held because the file would hold full ID numbers (the province's export.full_id_approval)

    def held_words(self) -> str:
        """What the page and the API tell the requester of an export held for approval."""
        if self.full_ids and (self.threshold is None or self.rows <= self.threshold):
            return gettext("This export holds the full ID numbers of %(rows)s pupils: it was filed for the approval "
                           "of your unit's leader, and runs when approved.") % {"rows": self.rows}
        return gettext("This export holds %(rows)s pupils, more than the %(threshold)s a province allows without "
                       "approval: it was filed for the approval of your unit's leader, and runs when approved.") % {
            "rows": self.rows, "threshold": self.threshold}


# The gate a pupil export passes before it runs: fn(actor=, filters=, params=) -> ExportStarted | None (None: run
# now with the params it may have added, e.g. the province's encryption). Registered from exchange's ready() (it
# sits above policy and the approval engine, which this app may not import); with no gate an export runs at once.
EXPORT_GATES: list[Callable[..., ExportStarted | None]] = []


def students_export_clean(*, actor, filters: dict) -> dict:
    """The filters of an export, each naming something within the jurisdiction (else 404, like a detail page)."""
    require_cap(actor, Cap.STUDENT_VIEW)
    clean = {k: v for k, v in filters.items() if v not in (None, "")}
    if "school" in clean:
        school_get(user=actor, pk=clean["school"])
    if "school_class" in clean:
        class_get(user=actor, pk=clean["school_class"])
    if "county" in clean:
        org_unit_get(user=actor, pk=clean["county"])
    return clean


def students_export_start(*, actor, filters: dict) -> ExportStarted:
    """Start an audited export of the students the actor may see (ID numbers masked unless the role needs them),
    or, past the province's size threshold, file it for the leader's approval (the gates decide: the one rule
    for pages and API)."""
    clean = students_export_clean(actor=actor, filters=filters)
    params: dict = {"filters": clean}
    for gate in EXPORT_GATES:
        held = gate(actor=actor, filters=clean, params=params)
        if held is not None:
            return held
    return ExportStarted(job=students_export_job(actor=actor, params=params))


@transaction.atomic
def students_anonymise(*, ids: Sequence[int]) -> dict:
    """The retention's end of a pupil who left long ago (ops.retention): the ID number erased with both its blind
    indexes (no lookup or duplicate check finds the pupil by it any more), the family members (their names, phones
    and ID numbers with their blind indexes) deleted, the history of those items emptied. The record of study
    itself (name, school, status, national number) stays: the 学籍号 is lifelong. Set-based; the caller audits."""
    family, _by_model = FamilyMember.objects.filter(student_id__in=ids).delete()
    # The history's before/after of identity and family items held the same numbers and phones: emptied (the rows
    # stay, so the timeline still says that something changed and when).
    StudentHistory.objects.filter(student_id__in=ids, kind__in=(ChangeKind.IDENTITY, ChangeKind.FAMILY)).update(
        changes={})
    students = Student.objects.filter(pk__in=ids).filter(
        models.Q(id_number__isnull=False) | models.Q(id_number_index__isnull=False)
        | models.Q(id_number_tail__isnull=False)).update(
        id_number=None, id_number_index=None, id_number_tail=None)
    return {"students": students, "family_members": family}


def students_export_job(*, actor, params: dict) -> Job:
    """The export job itself (after the gates, or at the approval of a held export)."""
    return job_start(actor=actor, kind="registry.export_students", title="导出学生名单", params=params)


def with_initials(values: dict) -> dict:
    """A pupil's items with the pinyin initials of the name (`Student.name_initials`): the door sets them wherever it
    writes a name, so the list's search by initials finds every pupil."""
    return {**values, "name_initials": name_initials(values.get("name") or "")}


def build_rows(*, school: School, school_class: SchoolClass | None, clean: CleanStudent,
               reg_status: str = RegStatus.DRAFT,
               province_code: str | None = None) -> tuple[Student, StudentDetail, list[FamilyMember]]:
    """Unsaved model instances for one pupil (used by single entry and by the bulk writer on SQLite)."""
    if province_code is None:
        province_code = province_code_of(school.org_unit) or ""
    student = Student(school=school, school_class=school_class, province_code=province_code,
                      reg_status=reg_status, **with_initials(clean.student))
    detail = StudentDetail(student=student, **clean.detail)
    family = [FamilyMember(student=student, **{k: v for k, v in g.items() if k in GUARDIAN_FIELDS})
              for g in clean.guardians]
    return student, detail, family


# Below this many pupils the three COPY statements cost more than plain INSERTs.
COPY_MIN_ROWS = 20


def _seats_wanted(rows: Sequence[tuple[SchoolClass | None, CleanStudent]]) -> Counter:
    return Counter(klass.pk for klass, clean in rows
                   if klass is not None and clean.student.get("status", StudentStatus.ENROLLED) in SEATED)


@transaction.atomic
def students_insert(*, school: School, rows: Sequence[tuple[SchoolClass | None, CleanStudent]],
                    reg_status: str = RegStatus.DRAFT) -> list[int]:
    """Insert many pupils set-based (no per-row save). Callers hold the transaction and audit the batch.
    Refused (nothing written) when a class has no room for its pupils (`guards.require_room`: class-size caps).

    On PostgreSQL, from COPY_MIN_ROWS pupils on: COPY into registry_student, registry_studentdetail and
    registry_familymember, with the student ids reserved from the table's sequence first (so the detail and
    family rows can name them; nextval is safe under concurrency). Elsewhere: bulk_create."""
    province = province_code_of(school.org_unit) or ""
    if connection.vendor != "postgresql" or len(rows) < COPY_MIN_ROWS:
        require_room(_seats_wanted(rows))  # the COPY path asks in students_copy_write
    if connection.vendor == "postgresql" and len(rows) >= COPY_MIN_ROWS:
        return _students_copy(school=school, rows=rows, reg_status=reg_status, province_code=province)
    built = [build_rows(school=school, school_class=klass, clean=clean, reg_status=reg_status, province_code=province)
             for klass, clean in rows]
    students = Student.objects.bulk_create([b[0] for b in built], batch_size=1000)
    for student, detail, family in built:
        detail.student_id = student.pk
        for member in family:
            member.student_id = student.pk
    StudentDetail.objects.bulk_create([b[1] for b in built], batch_size=1000)
    FamilyMember.objects.bulk_create([m for b in built for m in b[2]], batch_size=1000)
    counts.add(counts.counted(counts.key_of(s) for s in students))
    counts.after(counts.before(), new=[s.pk for s in students])
    return [s.pk for s in students]


@dataclass(frozen=True)
class _CopyTable:
    sql: str
    fields: tuple[tuple[str, object], ...]  # (attname, default) of the columns filled from the clean data

    @functools.cached_property
    def defaults(self) -> dict[str, object]:
        return dict(self.fields)

    model: type[models.Model] | None = None

    @functools.cached_property
    def getter(self):
        """values of the filled columns, in order, from a complete dict (C speed: itemgetter); sealed columns
        sealed and their blind indexes computed (core.fields.row_sealer)."""
        names = [name for name, _d in self.fields]
        getter = operator.itemgetter(*names)
        getter = getter if len(names) > 1 else (lambda data: (getter(data),))
        sealer = row_sealer(self.model, names) if self.model is not None else None
        if sealer is None:
            return getter
        return lambda data: sealer(getter(data))


_FIXED = {
    Student: ("id", "created_at", "updated_at", "school_id", "school_class_id", "province_code", "reg_status"),
    StudentDetail: ("student_id",),
    FamilyMember: ("student_id",),
}


def _constant(value) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


@functools.cache
def _copy_table(model: type[models.Model]) -> _CopyTable:
    """COPY statement for a model: the fixed columns first, then every other concrete column with its default.
    Columns that only have a database default (an expression) are left out, so the database fills them."""
    fixed = _FIXED[model]
    fields = []
    for field in model._meta.concrete_fields:
        if field.attname in fixed or (model is FamilyMember and field.primary_key):
            continue
        if field.has_default():
            default = field.get_default()
        elif field.db_default is not models.NOT_PROVIDED:
            if not _constant(field.db_default):
                continue
            default = field.db_default
        elif field.null:
            default = None
        else:
            default = "" if field.empty_strings_allowed else None
        fields.append((field.attname, default))
    fields_by_name = {f.attname: f for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    columns = [fields_by_name[name].column for name in fixed] + [fields_by_name[name].column for name, _d in fields]
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    return _CopyTable(sql=sql, fields=tuple(fields), model=model)


@functools.cache
def _student_sequence() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [Student._meta.db_table, Student._meta.pk.column])
        return cursor.fetchone()[0]


try:  # psycopg's own COPY text formatting (C): the bytes cursor.copy().write_row() would send
    from psycopg._copy_base import format_row_text as _format_row_text
    from psycopg.adapt import Transformer as _Transformer
except ImportError:  # pragma: no cover - a psycopg without it: plain Python formatting below
    _format_row_text = None

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _format_value(value) -> str:  # pragma: no cover - used only without psycopg's formatter
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class _Formatter:
    """Appends rows as COPY text to a buffer."""

    def __init__(self) -> None:
        if _format_row_text is not None:
            transformer = _Transformer.from_context(connection.connection)
            self.append = lambda row, out: _format_row_text(row, transformer, out)
        else:  # pragma: no cover
            self.append = lambda row, out: out.extend(("\t".join(map(_format_value, row)) + "\n").encode())


@dataclass
class PreparedPupils:
    """Pupils as COPY text for registry_student, registry_studentdetail, registry_familymember and their record MACs
    (registry_studentmac, registry.integrity), with the student ids reserved for them; `ends[i]` is where pupil i's
    rows end in each buffer (so a subset can be written)."""

    ids: list[int]
    buffers: tuple[bytearray, ...]
    ends: tuple[list[int], ...]
    seats: list[int | None]  # the class each pupil takes a seat in (None: no class, or not seated)
    groups: list[counts.Key]  # each pupil's group in the pupil counts

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, keep: Sequence[int]) -> tuple[list[int], list[bytes]]:
        """Ids and the tables' text for the pupils at the positions in `keep` (ascending)."""
        if len(keep) == len(self.ids):
            return list(self.ids), [bytes(b) for b in self.buffers]
        texts = []
        for buffer, ends in zip(self.buffers, self.ends, strict=True):
            view = memoryview(buffer)
            texts.append(b"".join(view[(ends[i - 1] if i else 0):ends[i]] for i in keep))
        return [self.ids[i] for i in keep], texts


def students_copy_reserve(count: int) -> list[int]:
    """Reserve `count` student ids (nextval: safe under concurrency, gaps allowed). PostgreSQL only."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [_student_sequence(), count])
        return [row[0] for row in cursor.fetchall()]


def students_copy_prepare(*, school: School, rows: Sequence[tuple[SchoolClass | None, CleanStudent]],
                          reg_status: str = RegStatus.DRAFT, ids: Sequence[int] | None = None,
                          province_code: str | None = None) -> PreparedPupils:
    """Reserve student ids (unless given: the bulk import's checking process formats under ids the importing process
    reserved, parallel.py) and format the pupils as COPY text, with their record MACs (registry.integrity: computed
    from the very values the rows hold, sealed columns' indexes included, so the door needs not read them back).
    PostgreSQL only. The bulk import does this on its checking thread (or process) and leaves the writing to its
    writer."""
    from xueji.registry.integrity import mac_of

    if province_code is None:
        province_code = province_code_of(school.org_unit) or ""
    tables = (_copy_table(Student), _copy_table(StudentDetail), _copy_table(FamilyMember))
    ids = students_copy_reserve(len(rows)) if ids is None else ids
    append = _Formatter().append
    now = timezone.now()
    school_id = school.pk
    (s_defaults, s_get), (d_defaults, d_get), (f_defaults, f_get) = [(t.defaults, t.getter) for t in tables]
    mac_items = _mac_items()
    students, details, family, macs = bytearray(), bytearray(), bytearray(), bytearray()
    s_ends, d_ends, f_ends, m_ends = [], [], [], []
    statuses = [clean.student.get("status", StudentStatus.ENROLLED) for _klass, clean in rows]
    seats = [klass.pk if klass is not None and status in SEATED else None
             for (klass, _clean), status in zip(rows, statuses, strict=True)]
    groups = [(school_id, klass.pk if klass is not None else None, status, reg_status)
              for (klass, _clean), status in zip(rows, statuses, strict=True)]
    for pk, (klass, clean) in zip(ids, rows, strict=True):
        stored = s_get({**s_defaults, **clean.student, "name_initials": name_initials(clean.student["name"])})
        append((pk, now, now, school_id, klass.id if klass is not None else None, province_code, reg_status,
                *stored), students)
        s_ends.append(len(students))
        append((pk, *d_get({**d_defaults, **clean.detail})), details)
        d_ends.append(len(details))
        for member in clean.guardians:
            append((pk, *f_get({**f_defaults, **member})), family)
        f_ends.append(len(family))
        append((pk, mac_of([school_id if i is None else stored[i] for i in mac_items])), macs)
        m_ends.append(len(macs))
    return PreparedPupils(ids=list(ids), buffers=(students, details, family, macs),
                          ends=(s_ends, d_ends, f_ends, m_ends), seats=seats, groups=groups)


@functools.cache
def _mac_items() -> tuple[int | None, ...]:
    """Where each item of the record MAC (registry.integrity.FIELDS) is in a pupil's stored COPY values (after the
    fixed columns); None for the school, a fixed column."""
    from xueji.registry.integrity import FIELDS

    names = [name for name, _d in _copy_table(Student).fields]
    return tuple(None if name == "school_id" else names.index(name) for name in FIELDS)


_MAC_COPY = "COPY {table} ({student}, {mac}) FROM STDIN"


@transaction.atomic
def students_copy_write(prepared: PreparedPupils, keep: Sequence[int] | None = None) -> list[int]:
    """COPY prepared pupils (those at the positions in `keep`, or all) into the three tables and their record MACs;
    returns their ids. Callers hold the transaction. Refused (nothing written) when a class has no room for its
    pupils."""
    positions = range(len(prepared)) if keep is None else keep
    ids, texts = prepared.subset(positions)
    if not ids:
        return []
    require_room(Counter(prepared.seats[i] for i in positions if prepared.seats[i] is not None))
    quote = connection.ops.quote_name
    mac_sql = _MAC_COPY.format(table=quote(StudentMac._meta.db_table), student=quote("student_id"), mac=quote("mac"))
    with connection.cursor() as cursor:
        for sql, text in zip((*(_copy_table(m).sql for m in (Student, StudentDetail, FamilyMember)), mac_sql), texts,
                             strict=True):
            if text:
                with cursor.copy(sql) as copy:
                    copy.write(text)
    counts.add(counts.counted(prepared.groups[i] for i in positions))
    counts.after(counts.before(), new=ids, macs=False)  # the MACs were written with the rows
    return ids


def _students_copy(*, school: School, rows: Sequence[tuple[SchoolClass | None, CleanStudent]], reg_status: str,
                   province_code: str) -> list[int]:
    return students_copy_write(students_copy_prepare(school=school, rows=rows, reg_status=reg_status))


IDENTITY_LOCK_KEY = 0x78756A69  # "xuji": one advisory lock for "check duplicates, then insert pupils"


def identity_lock() -> None:
    """Serialise "look for an existing pupil with this identity, then insert" across connections until the
    transaction ends, so two imports (or an import and a single entry) cannot both insert the same ID number.
    A no-op on SQLite, whose write transactions are serialised already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IDENTITY_LOCK_KEY])


def _require_school_registrar(actor, school: School) -> None:
    require_cap(actor, Cap.STUDENT_EDIT)
    require_org_within(actor, school.org_unit)
    if not actor.org_unit.is_school:
        raise ValidationFailed("Pupils are entered by their school.", code="school_only")


@dataclass(frozen=True)
class IdentityHolder:
    """A stored record that already holds an identity: by its ID number (anywhere in the deployment) or, for a
    pupil without one, by name, sex and birth date within the school."""

    pk: int
    school_id: int
    school_name: str
    name: str
    id_number: str | None


@dataclass(frozen=True)
class Identity:
    id_number: str | None
    name: str
    sex: str
    birth_date: dt.date | None
    exclude_pk: int | None = None  # the record being corrected


def identity_of(data: dict, exclude_pk: int | None = None) -> Identity:
    return Identity(id_number=data.get("id_number") or None, name=data.get("name", ""), sex=data.get("sex", ""),
                    birth_date=data.get("birth_date"), exclude_pk=exclude_pk)


def _holders_with_ids(numbers: list[str]) -> list[IdentityHolder]:
    if connection.vendor == "postgresql":  # one array parameter instead of thousands of placeholders
        student, school = Student._meta.db_table, School._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT s.id, s.school_id, sc.name, s.name, s.id_number FROM {student} s "  # noqa: S608
                           f"JOIN {school} sc ON sc.id = s.school_id WHERE s.id_number_index = ANY(%s)",
                           [[blind_index(n) for n in numbers]])  # the number is sealed: found by its index
            aad = Student._meta.get_field("id_number").aad
            rows = [(*row[:4], unseal(row[4], aad)) for row in cursor.fetchall()]
    else:
        rows = Student.objects.filter(id_number__in=numbers).values_list("pk", "school_id", "school__name", "name",
                                                                         "id_number")
    return [IdentityHolder(*row) for row in rows]


def identity_holders(*, school: School, identities: Sequence[Identity]) -> list[list[IdentityHolder]]:
    """The one duplicate rule (查重) of every path that sets a pupil's identity items: single entry, correcting a
    draft, the bulk import and a problem-record correction. For each identity, the other records holding it: its
    ID number anywhere; without an ID number, the same name, sex and birth date in the school. Set-based (two
    queries for any number of identities, through the id_number and school indexes); callers that insert hold
    `identity_lock()` first. Every record counts, labelled (安全标记) or not: an ID number is held once, and the
    refusal says neither whose it is nor where (identity_conflict)."""
    numbers = sorted({i.id_number for i in identities if i.id_number})
    by_id: dict[str, list[IdentityHolder]] = {}
    for chunk_start in range(0, len(numbers), 5000):
        for holder in _holders_with_ids(numbers[chunk_start:chunk_start + 5000]):
            by_id.setdefault(holder.id_number, []).append(holder)
    without = [i for i in identities if not i.id_number]
    by_person: dict[tuple, list[IdentityHolder]] = {}
    if without:
        for row in Student.objects.filter(school=school, name__in={i.name for i in without},
                                          birth_date__in={i.birth_date for i in without}).values_list(
                "pk", "school_id", "school__name", "name", "id_number", "sex", "birth_date"):
            by_person.setdefault((row[3], row[5], row[6]), []).append(IdentityHolder(*row[:5]))
    out = []
    for identity in identities:
        found = (by_id.get(identity.id_number, []) if identity.id_number
                 else by_person.get((identity.name, identity.sex, identity.birth_date), []))
        out.append([h for h in found if h.pk != identity.exclude_pk])
    return out


def identity_conflict(*, school: School, identity: Identity) -> Conflict | None:
    """The refusal for one pupil whose identity another record holds (409): it says where (this school or
    another) and by what, never whose: the other pupil's name is not the entering school's to know."""
    holders = identity_holders(school=school, identities=[identity])[0]
    if not holders:
        return None
    here = any(h.school_id == school.pk for h in holders)
    if identity.id_number:
        words = (_("This school already has a record with this ID number.") if here else
                 _("Another school already has a record with this ID number: it cannot be registered twice; if it "
                   "is the same pupil, file a transfer."))
        return Conflict(words, code="duplicate_student", field="id_number")
    return Conflict(_("This school already has a record with the same name, sex and date of birth (and no ID "
                      "number)."), code="duplicate_student", field="name")


def identity_require_unique(*, school: School, identity: Identity) -> None:
    conflict = identity_conflict(school=school, identity=identity)
    if conflict is not None:
        raise conflict


@transaction.atomic
def student_enter(*, actor, school: School, school_class: SchoolClass | None, clean: CleanStudent) -> Student:
    """A school registrar enters one pupil (a draft until submitted for registration)."""
    _require_school_registrar(actor, school)
    if school_class is not None and school_class.school_id != school.pk:
        raise ValidationFailed("The class belongs to another school.", code="wrong_class", field="school_class")
    identity_lock()
    identity_require_unique(school=school, identity=identity_of(clean.student))
    (pk,) = students_insert(school=school, rows=[(school_class, clean)])
    student = Student.objects.get(pk=pk)
    audit_record(actor=actor, action="student.enter", obj=student, after=snapshot(student))
    return student


EDITABLE_STATES = (RegStatus.DRAFT,)

# Checks by the apps above the registry that let a pupil beyond the draft state be corrected here (registration:
# the pupils of a returned request). The registry knows no request; the app that files them says when.
_CORRECTABLE_CHECKS: list[Callable[[Student], bool]] = []


def correctable_when(check: Callable[[Student], bool]) -> Callable[[Student], bool]:
    """Register a check (student -> bool) that allows correcting a pupil that is no longer a draft."""
    _CORRECTABLE_CHECKS.append(check)
    return check


def correctable_beyond_draft(student: Student) -> bool:
    return any(check(student) for check in _CORRECTABLE_CHECKS)


@transaction.atomic
def student_correct(*, actor, student: Student, clean: CleanStudent,
                    school_class: SchoolClass | None = None) -> Student:
    """Correct a draft (or a pupil of a returned registration request) before it is submitted again."""
    _require_school_registrar(actor, student.school)
    if student.reg_status not in EDITABLE_STATES and not correctable_beyond_draft(student):
        raise Conflict("Only drafts and pupils of a returned request can be corrected here.", code="not_editable")
    identity_lock()
    identity_require_unique(school=student.school, identity=identity_of(clean.student, exclude_pk=student.pk))
    if school_class is not None and school_class.pk != student.school_class_id and student.status in SEATED:
        require_room({school_class.pk: 1})
    group = counts.key_of(_locked(student.pk))
    watched = counts.before([student.pk])
    before = snapshot(student)
    for key, value in with_initials(clean.student).items():
        setattr(student, key, value)
    if school_class is not None:
        student.school_class = school_class
    student.save()
    StudentDetail.objects.update_or_create(student=student, defaults=clean.detail)
    FamilyMember.objects.filter(student=student).delete()
    FamilyMember.objects.bulk_create([FamilyMember(student=student, **{k: v for k, v in g.items()
                                                                      if k in GUARDIAN_FIELDS})
                                      for g in clean.guardians])
    counts.one(group, counts.key_of(student))
    counts.after(watched)
    after = snapshot(student)
    changes = _changes(before, after)
    if changes:
        _history(student_ids=[student.pk], kind=ChangeKind.ITEMS, actor=actor, reason="correct", changes=changes)
    audit_record(actor=actor, action="student.correct", obj=student, before=before, after=after)
    return student


@transaction.atomic
def student_delete_draft(*, actor, student: Student) -> None:
    _require_school_registrar(actor, student.school)
    if student.reg_status != RegStatus.DRAFT:
        raise Conflict("Only drafts can be deleted; registered records change through status changes.",
                       code="not_draft")
    counts.one(counts.key_of(_locked(student.pk)), None)
    watched = counts.before([student.pk])
    audit_record(actor=actor, action="student.delete_draft", obj=student, before=snapshot(student))
    student.delete()
    counts.after(watched)


# The status (学生当前状态) and its history -------------------------------------------------------------------

def _changes(before: dict, after: dict) -> dict[str, list]:
    """The items that changed (snapshots on both sides), each as [before, after]: what a history row keeps."""
    old, new = diff(before, after)
    return {key: [old[key], new[key]] for key in sorted(new) if key not in ("created_at", "updated_at")}


def _history(*, student_ids: Iterable[int], kind: str, old: str = "", new: str = "", actor, reason: str = "",
             request_id: int | None = None, changes: dict | None = None) -> None:
    now = clock.now()
    actor_id = getattr(actor, "pk", None)
    StudentHistory.objects.bulk_create(
        [StudentHistory(student_id=pk, kind=kind, old=old, new=new, changes=changes or {}, reason=reason[:255],
                        request_id=request_id, actor_id=actor_id, at=now) for pk in student_ids], batch_size=2000)


def _status_require(old: str, new: str) -> None:
    if not status_change_allowed(old, new):
        raise Conflict(format_lazy(_("A pupil whose status is “{old}” cannot become “{new}”."),
                                   old=StudentStatus(old).label if old in StudentStatus.values else old,
                                   new=StudentStatus(new).label), code="status_not_allowed", field="status")


def _locked(student: Student | int) -> Student:
    pk = student if isinstance(student, int) else student.pk
    found = Student.objects.select_for_update(of=("self",)).select_related("school").filter(pk=pk).first()
    if found is None:
        raise Conflict(_("The record no longer exists."), code="record_gone")
    return found


def _status_of(value: str) -> StudentStatus:
    try:
        return StudentStatus(value)
    except ValueError:
        raise ValidationFailed(f"Unknown student status {value!r}.", code="invalid_code", field="status") from None


@transaction.atomic
def student_set_status(*, actor, student: Student | int, status: str, reason: str = "",
                       request_id: int | None = None) -> Student:
    """Change a pupil's status (在读, 休学, 复学, ...) through the transition table (`choices.STATUS_TRANSITIONS`):
    the row locked, the change validated (a refused change writes nothing), one history row and the audit event.
    Called by the effect of an approved request (the engine checked the actor) or a service that checked it."""
    new = _status_of(status)
    locked = _locked(student)
    old = locked.status
    _status_require(old, new)
    if new in SEATED and old not in SEATED:  # back in the classroom (复学): the class must have room
        require_room({locked.school_class_id: 1})
    watched = counts.before([locked.pk])
    Student.objects.filter(pk=locked.pk).update(status=new, updated_at=clock.now())
    counts.after(watched, macs=False)
    counts.one(counts.key_of(locked), (locked.school_id, locked.school_class_id, new, locked.reg_status))
    _history(student_ids=[locked.pk], kind=ChangeKind.STATUS, old=old, new=new, actor=actor, reason=reason,
             request_id=request_id)
    audit_record(actor=actor, action="student.set_status", obj=locked, before={"status": old},
                 after={"status": new, "reason": reason, "request": request_id})
    locked.status = new
    return locked


_BULK_CHUNK = 5000  # pupils per statement of a set-based status change (within SQLite's parameter limit)
_BULK_CHUNK_PG = 25000  # PostgreSQL: the ids travel as one array literal


@transaction.atomic
def students_set_status_bulk(*, actor, student_ids: Sequence[int], old: Iterable[str], status: str,
                             reason: str = "", action: str = "student.set_status_bulk",
                             detail: dict | None = None, classes: Sequence[int] | None = None,
                             history: bool = True, was: Mapping[int, str] | None = None) -> list[int]:
    """Many pupils change status at once (毕业, 结业 of a school's final grade; a graduation reverted): set-based,
    by chunks in the caller's transaction. Only pupils whose status is one of `old` change (each `old -> status`
    through the transition table, refused before anything is written); per chunk and old status one UPDATE ...
    WHERE status = old RETURNING the pupils changed (the UPDATE locks them and re-checks their status, so nothing
    reads them first) with their history rows written from what it returned (on PostgreSQL in the same statement),
    the pupil counts moved; one audit event for the whole batch. `classes`: only pupils still in one of these
    classes change (a caller that read them there without a lock: the UPDATE checks it again). Returns the ids
    changed (the caller refuses the batch when it expected more: the transaction then writes nothing).
    `history=False`: no history row per pupil, for a caller that keeps its own row per pupil with the status
    before and registers it as a source of the timeline and of the record as of a date (graduation: its graduate
    rows, `registry.history.register_state_source`). `was`: each pupil's status as the caller read it (without a
    lock): each pupil is then looked up by one statement only, the one for that status, instead of one per status
    of `old` (the statement still checks it: a pupil whose status changed meanwhile is not changed). The pupil
    counts and the watchers' summaries are added once for the whole batch, not per chunk (a graduation of a
    province: each county's rows once, not once per chunk)."""
    new = _status_of(status)
    olds = sorted({str(_status_of(value)) for value in old})
    for value in olds:
        _status_require(value, new)
    ids = sorted(set(student_ids))
    if not ids:
        return []
    now, actor_id = clock.now(), getattr(actor, "pk", None)
    changed: list[int] = []
    before: Counter = Counter()
    after: Counter = Counter()
    watched = counts.Watched([], [])
    size = _BULK_CHUNK_PG if connection.vendor == "postgresql" else _BULK_CHUNK
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        watched = counts.merged(watched, counts.before(chunk))
        for old_status in olds:
            subset = chunk if was is None else [pk for pk in chunk if str(was.get(pk)) == old_status]
            if not subset:
                continue
            rows = _status_update_returning(subset, was=old_status, new=str(new), now=now, actor_id=actor_id,
                                            reason=reason[:255], classes=classes, history=history)
            for pk, school, klass, reg in rows:
                before[(school, klass, old_status, reg)] += 1
                after[(school, klass, str(new), reg)] += 1
                changed.append(pk)
    counts.moved(before, after)
    # Every pupil read before changed its status only (the usual case: a graduation that did not is refused
    # whole): the watchers' groups restated, not read again.
    counts.after(watched, status=str(new) if len(changed) == len(ids) else None, macs=False)
    changed.sort()
    audit_record(actor=actor, action=action, object_type="registry.student", object_repr=f"{len(changed)} pupils",
                 before={"status": olds}, after={"status": str(new), "count": len(changed), "reason": reason,
                                                 "students": changed[:200], **(detail or {})})
    return changed


def _status_update_returning(chunk: list[int], *, was: str, new: str, now, actor_id, reason: str,
                             classes: Sequence[int] | None = None, history: bool = True) -> list[tuple]:
    """One chunk's pupils in status `was` (and in `classes`, when given) set to `new`, with one status history row
    each (unless `history` is False): (id, school, class, registration state) of those changed. PostgreSQL: one
    statement (a data-modifying WITH; the ids and classes as arrays); elsewhere the UPDATE ... RETURNING, then the
    history rows of the ids it returned."""
    table, history_table = (connection.ops.quote_name(m._meta.db_table) for m in (Student, StudentHistory))
    insert = (f"INSERT INTO {history_table} (student_id, kind, old, new, changes, reason, request_id, actor_id, at) "  # noqa: S608
              "SELECT id, %s, %s, %s, '{}', %s, NULL, %s, %s FROM ")
    history_params = [str(ChangeKind.STATUS), was, new, reason, actor_id, now]
    returning = "RETURNING id, school_id, school_class_id, reg_status"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            in_class = " AND school_class_id = ANY(%s::bigint[])" if classes is not None else ""
            update = (f"UPDATE {table} SET status = %s, updated_at = %s "  # noqa: S608
                      f"WHERE id = ANY(%s::bigint[]) AND status = %s{in_class} {returning}")
            params = [new, now, int_array(chunk), was, *([int_array(classes)] if classes is not None else [])]
            if history:
                cursor.execute(f"WITH changed AS ({update}), written AS ({insert} changed) "  # noqa: S608
                               "SELECT id, school_id, school_class_id, reg_status FROM changed",
                               [*params, *history_params])
            else:
                cursor.execute(update, params)
            return cursor.fetchall()
        in_class = (f" AND school_class_id IN ({', '.join(['%s'] * len(classes))})" if classes else
                    " AND 0" if classes is not None else "")
        cursor.execute(f"UPDATE {table} SET status = %s, updated_at = %s WHERE id IN "  # noqa: S608
                       f"({', '.join(['%s'] * len(chunk))}) AND status = %s{in_class} {returning}",
                       [new, now, *chunk, was, *(classes or [])])
        rows = cursor.fetchall()
        if rows and history:
            cursor.execute(f"{insert} {table} WHERE id IN ({', '.join(['%s'] * len(rows))})",
                           [*history_params, *(row[0] for row in rows)])
        return rows


@transaction.atomic
def student_place(*, actor, student: Student | int, school_class: SchoolClass, request_id: int | None = None,
                  audit: bool = True, province_code: str | None = None) -> Student:
    """Put a pupil in a school and class (the class names its school); a pupil holding a seat needs room in the
    new class (class-size caps: refused with the cap, nothing changed). `audit=False` for a door that audits the
    whole operation itself (the takeover). `province_code`: the record changes province too (a cross-province
    transfer's file retrieval, 调档, while both provinces live in one database)."""
    locked = _locked(student)
    if school_class.pk != locked.school_class_id and locked.status in SEATED:
        require_room({school_class.pk: 1})
    before = {"school": locked.school_id, "class": locked.school_class_id}
    moved = {"province_code": province_code} if province_code else {}
    watched = counts.before([locked.pk])
    Student.objects.filter(pk=locked.pk).update(school_id=school_class.school_id, school_class_id=school_class.pk,
                                                updated_at=clock.now(), **moved)
    counts.after(watched)
    counts.one(counts.key_of(locked), (school_class.school_id, school_class.pk, locked.status, locked.reg_status))
    _history(student_ids=[locked.pk], kind=ChangeKind.PLACEMENT, actor=actor, request_id=request_id,
             changes=_changes({"school_id": locked.school_id, "school_class_id": locked.school_class_id},
                              {"school_id": school_class.school_id, "school_class_id": school_class.pk}))
    locked.school_id, locked.school_class_id = school_class.school_id, school_class.pk
    if province_code:
        locked.province_code = province_code
    if audit:
        audit_record(actor=actor, action="student.place", obj=locked, before=before,
                     after={"school": school_class.school_id, "class": school_class.pk, "request": request_id})
    return locked


@transaction.atomic
def student_take_over(*, actor, student: Student | int, school_class: SchoolClass,
                      request_id: int | None = None) -> Student:
    """A returning pupil's record (来华归国) taken over by a new school: placed in its class and enrolled again
    (status through the transition table), keeping its national number."""
    locked = _locked(student)
    before = {"school": locked.school_id, "class": locked.school_class_id, "status": locked.status}
    _status_require(locked.status, StudentStatus.ENROLLED)
    if not (locked.status in SEATED and locked.school_class_id == school_class.pk):
        require_room({school_class.pk: 1})
    student_place(actor=actor, student=locked, school_class=school_class, request_id=request_id, audit=False)
    watched = counts.before([locked.pk])
    Student.objects.filter(pk=locked.pk).update(status=StudentStatus.ENROLLED, reg_status=RegStatus.REGISTERED)
    counts.after(watched)
    placed = (school_class.school_id, school_class.pk)  # student_place moved it (its own copy of the row)
    counts.one((*placed, locked.status, locked.reg_status), (*placed, StudentStatus.ENROLLED, RegStatus.REGISTERED))
    _history(student_ids=[locked.pk], kind=ChangeKind.STATUS, old=before["status"], new=StudentStatus.ENROLLED,
             actor=actor, reason="takeover", request_id=request_id)
    locked.status, locked.reg_status = StudentStatus.ENROLLED, RegStatus.REGISTERED
    audit_record(actor=actor, action="student.takeover", obj=locked, before=before,
                 after={"school": school_class.school_id, "class": school_class.pk, "status": StudentStatus.ENROLLED})
    return locked


# Registration states (注册): set-based, for the pupils of one request ----------------------------------------

def _registration_move(*, actor, ids: list[int], old: str, new: str, request_id: int | None, **values) -> int:
    """Move these pupils from `old` to `new` registration state: one UPDATE ... WHERE (those still in `old`), their
    history rows, one audit event for the batch."""
    if new not in REG_TRANSITIONS[old]:
        raise Conflict(f"Registration cannot go from {old} to {new}.", code="registration_not_allowed")
    if not ids:
        return 0
    groups = counts.groups(ids, reg_status=old)  # the rows the UPDATE changes (their locks are held)
    watched = counts.before(ids)
    count = Student.objects.filter(pk__in=ids, reg_status=old).update(reg_status=new, updated_at=clock.now(),
                                                                       **values)
    counts.after(watched, macs=False)
    moved: Counter = Counter()
    for (school, klass, was, _reg), n in groups.items():
        moved[(school, klass, values.get("status") or was, new)] += n
    counts.moved(groups, moved)
    _history(student_ids=ids, kind=ChangeKind.REGISTRATION, old=old, new=new, actor=actor, request_id=request_id)
    audit_record(actor=actor, action=f"student.registration_{new}", object_type="registry.student",
                 object_repr=f"{len(ids)} pupils", after={"request": request_id, "count": count, "students": ids[:200]})
    return count


@transaction.atomic
def students_registration_submit(*, actor, student_ids: Sequence[int], request_id: int) -> int:
    """Drafts filed for registration under a request (draft -> pending). The caller locked and checked them; a
    pupil that is not a draft any more refuses the whole batch."""
    ids = sorted(set(student_ids))
    count = _registration_move(actor=actor, ids=ids, old=RegStatus.DRAFT, new=RegStatus.PENDING,
                               request_id=request_id, registration_request_id=request_id)
    if count != len(ids):
        raise Conflict("Some of these pupils are no longer drafts.", code="not_draft")
    return count


def _of_request(request_id: int, reg_status: str) -> list[int]:
    return list(Student.objects.select_for_update().filter(registration_request_id=request_id, reg_status=reg_status)
                .order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def students_registration_approve(*, actor, request_id: int) -> list[int]:
    """The request's pupils become registered and enrolled (pending -> registered); returns their ids."""
    ids = _of_request(request_id, RegStatus.PENDING)
    _registration_move(actor=actor, ids=ids, old=RegStatus.PENDING, new=RegStatus.REGISTERED, request_id=request_id,
                       status=StudentStatus.ENROLLED)
    return ids


@transaction.atomic
def students_registration_release(*, actor, request_id: int) -> int:
    """A withdrawn request gives its pupils back to the school's drafts (pending -> draft)."""
    ids = _of_request(request_id, RegStatus.PENDING)
    return _registration_move(actor=actor, ids=ids, old=RegStatus.PENDING, new=RegStatus.DRAFT,
                              request_id=request_id, registration_request_id=None)


# Identity items and the identity check (查重, 核验) -------------------------------------------------------------

IDENTITY_FIELDS = ("name", "sex", "birth_date", "id_type", "id_number")
# Items of a registered record that change only through their own doors: placement, status, states, numbers.
_NOT_ITEMS = {"id", "school", "school_class", "province_code", "national_number", "status", "reg_status",
              "verify_status", "registration_request_id", "name_pinyin", "name_initials", "created_at",
              "updated_at"}
RECORD_ITEMS = frozenset(f.name for f in Student._meta.concrete_fields if f.name not in _NOT_ITEMS)
DETAIL_ITEMS = frozenset(f.name for f in StudentDetail._meta.concrete_fields if f.name != "student")


def _item_values(values: dict) -> dict:
    values = dict(values)
    if isinstance(values.get("birth_date"), str):
        values["birth_date"] = dt.date.fromisoformat(values["birth_date"])
    if "id_number" in values:
        values["id_number"] = values["id_number"] or None
    return values


@transaction.atomic
def student_update_items(*, actor, student: Student | int, items: dict | None = None, detail: dict | None = None,
                         request_id: int | None = None, reason: str = "", action: str = "student.update") -> Student:
    """Change a pupil's record items (学籍信息修改): `items` of the record itself, `detail` of the rest of the national
    form; values already checked by the caller's validator (the one row validator). A changed identity (name, sex,
    birth date, ID type or number) runs the one duplicate rule (`identity_conflict`) under the identity lock and
    refuses a clash (Conflict, nothing written); a new name, ID type or number makes the identity unverified again.
    One history row with each changed item before and after, and the audit event, in the caller's transaction.
    Called by the changes app (a direct edit it allowed, or the effect of an approved change request) and by the
    problem-record correction."""
    items, detail = _item_values(items or {}), dict(detail or {})
    unknown = (set(items) - RECORD_ITEMS) | (set(detail) - DETAIL_ITEMS)
    if unknown:
        raise ValidationFailed(f"Not a record item: {', '.join(sorted(unknown))}.", code="not_an_item",
                               field=sorted(unknown)[0])
    locked = _locked(student)
    fields = [*items, "verify_status", "name_pinyin"]  # the initials follow the name: not history of their own
    before = snapshot(locked, fields=fields)
    current = {key: getattr(locked, key) for key in IDENTITY_FIELDS}
    for key, value in items.items():
        setattr(locked, key, value)
    # A record already a duplicate may be corrected in its other items: only a changed identity is checked.
    changes_identity = (locked.id_number != current["id_number"] if locked.id_number
                        else any(getattr(locked, k) != current[k] for k in ("name", "sex", "birth_date", "id_number")))
    if changes_identity:
        identity_lock()
        identity_require_unique(school=locked.school, identity=Identity(
            id_number=locked.id_number, name=locked.name, sex=locked.sex, birth_date=locked.birth_date,
            exclude_pk=locked.pk))
    if "name" in items:
        locked.name_pinyin = name_pinyin(locked.name)
        locked.name_initials = name_initials(locked.name)
    if any(getattr(locked, k) != current[k] for k in ("name", "id_type", "id_number")):
        locked.verify_status = VerifyStatus.UNVERIFIED
    after = snapshot(locked, fields=fields)
    changes = _changes(before, after)
    if detail:
        row, _created = StudentDetail.objects.get_or_create(student=locked)
        detail_before = snapshot(row, fields=detail)
        for key, value in detail.items():
            setattr(row, key, value)
        detail_after = snapshot(row, fields=detail)
        detail_changes = _changes(detail_before, detail_after)
        if detail_changes:
            row.save(update_fields=sorted(detail))
        changes.update({f"detail.{key}": value for key, value in detail_changes.items()})
    if not changes:
        return locked
    watched = counts.before([locked.pk])
    locked.save(update_fields=[*sorted({*items, "verify_status", "name_pinyin", "name_initials"}), "updated_at"])
    counts.after(watched)
    kind = ChangeKind.IDENTITY if set(items) & set(IDENTITY_FIELDS) else ChangeKind.ITEMS
    _history(student_ids=[locked.pk], kind=kind, actor=actor, reason=reason, request_id=request_id, changes=changes)
    audit_record(actor=actor, action=action, obj=locked, before={k: v[0] for k, v in changes.items()},
                 after={**{k: v[1] for k, v in changes.items()}, "request": request_id})
    return locked


def student_set_identity(*, actor, student: Student | int, changes: dict) -> Student:
    """Set a pupil's identity items (name, sex, birth date, ID type and number) to correct a problem record:
    `student_update_items` with those items only."""
    unknown = set(changes) - set(IDENTITY_FIELDS)
    if unknown:
        raise ValidationFailed(f"Not an identity item: {', '.join(sorted(unknown))}.", code="not_correctable",
                               field=sorted(unknown)[0])
    return student_update_items(actor=actor, student=student, items=changes, action="student.correct_problem")


@transaction.atomic
def student_revoke_id(*, actor, student: Student | int, reason: dict | None = None) -> Student:
    """Take a pupil's ID number away (an arbitration gave it to another record): unverified, to be corrected."""
    locked = _locked(student)
    before = {"id_number": locked.id_number, "verify_status": locked.verify_status}
    watched = counts.before([locked.pk])
    Student.objects.filter(pk=locked.pk).update(id_number=None, verify_status=VerifyStatus.UNVERIFIED,
                                                updated_at=clock.now())
    counts.after(watched)
    locked.id_number, locked.verify_status = None, VerifyStatus.UNVERIFIED
    _history(student_ids=[locked.pk], kind=ChangeKind.IDENTITY, actor=actor, reason="id_revoked",
             changes=_changes(before, {"id_number": None, "verify_status": VerifyStatus.UNVERIFIED}))
    audit_record(actor=actor, action="student.id_revoked", obj=locked, before=before,
                 after={"id_number": None, "verify_status": VerifyStatus.UNVERIFIED, **(reason or {})})
    return locked


# Family members and guardians (家庭成员/监护人) ------------------------------------------------------------------

FAMILY_ITEMS = frozenset(GUARDIAN_FIELDS)


@transaction.atomic
def family_member_save(*, actor, student: Student | int, values: dict, member: FamilyMember | None = None,
                       request_id: int | None = None) -> FamilyMember:
    """Add a family member to a pupil (`member` None) or change one of theirs; values checked by the caller's
    validator. One history row (the member, and each changed item before and after) and the audit event."""
    unknown = set(values) - FAMILY_ITEMS
    if unknown:
        raise ValidationFailed(f"Not a family item: {', '.join(sorted(unknown))}.", code="not_an_item",
                               field=sorted(unknown)[0])
    locked = _locked(student)
    if member is not None and member.student_id != locked.pk:
        raise ValidationFailed("The family member belongs to another pupil.", code="wrong_member", field="member")
    adding = member is None
    member = member or FamilyMember(student=locked)
    before = {} if adding else snapshot(member, fields=values)
    for key, value in values.items():
        setattr(member, key, value)
    member.save()
    changes = _changes(before, snapshot(member, fields=values))
    if changes or adding:
        _history(student_ids=[locked.pk], kind=ChangeKind.FAMILY, actor=actor, request_id=request_id,
                 changes={"member": member.pk, "action": "add" if adding else "update", **changes})
        audit_record(actor=actor, action="family.add" if adding else "family.update", obj=member,
                     before={k: v[0] for k, v in changes.items()}, after={k: v[1] for k, v in changes.items()})
    return member


@transaction.atomic
def family_member_remove(*, actor, member: FamilyMember, request_id: int | None = None) -> None:
    locked = _locked(member.student_id)
    before = snapshot(member, exclude=("id", "student"))
    _history(student_ids=[locked.pk], kind=ChangeKind.FAMILY, actor=actor, request_id=request_id,
             changes={"member": member.pk, "action": "remove", **{k: [v, None] for k, v in before.items()}})
    audit_record(actor=actor, action="family.remove", obj=member, before=before)
    member.delete()


def students_verify_apply(*, results: Sequence[tuple[int, str]], only_from: Iterable[str]) -> list[tuple[int, str]]:
    """Set each pupil's identity-check state to its own value ((record id, VerifyStatus) pairs), for those still
    in one of `only_from`: one UPDATE ... FROM per 10,000 (the row locks taken by the UPDATE itself). Returns
    (record id, province code) of the rows changed. Set-based callers (verification runs) hold the transaction
    and audit the batch."""
    states = [str(VerifyStatus(state)) for state in only_from]
    now = clock.now()
    watched = counts.before(pk for pk, _status in results)
    changed = update_rows(Student, "id", ["verify_status", "updated_at"],
                          [(pk, str(VerifyStatus(status)), now) for pk, status in results],
                          where=f"verify_status IN ({', '.join(['%s'] * len(states))})", where_params=states,
                          returning=("id", "province_code"))
    counts.after(watched, macs=False)
    return [(pk, province) for pk, province in changed]


def student_verify_set(*, student_ids: Sequence[int], status: str, only_from: Iterable[str] | None = None) -> int:
    """Set the identity-check state (核验) of many pupils: one UPDATE ... WHERE (those still in one of `only_from`,
    when given). Set-based callers (verification runs, the register export) hold the transaction and audit the
    batch; returns how many rows changed."""
    status = VerifyStatus(status)
    qs = Student.objects.filter(pk__in=list(student_ids))
    if only_from is not None:
        qs = qs.filter(verify_status__in=list(only_from))
    watched = counts.before(student_ids)
    changed = qs.update(verify_status=status, updated_at=clock.now())
    counts.after(watched, macs=False)
    return changed


@transaction.atomic
def student_verify_confirm(*, actor, student: Student | int, request_id: int) -> Student:
    """The household-register proof confirms a pupil's identity (an approved problem confirmation)."""
    locked = _locked(student)
    before = locked.verify_status
    student_verify_set(student_ids=[locked.pk], status=VerifyStatus.PROOF)
    locked.verify_status = VerifyStatus.PROOF
    _history(student_ids=[locked.pk], kind=ChangeKind.VERIFICATION, old=before, new=VerifyStatus.PROOF, actor=actor,
             request_id=request_id)
    audit_record(actor=actor, action="student.confirm_proof", obj=locked, before={"verify_status": before},
                 after={"verify_status": VerifyStatus.PROOF, "request": request_id})
    return locked


# National numbers (学籍号) ---------------------------------------------------------------------------------

def student_number_issue(*, actor, issued: Sequence[tuple[Student | int, str, str]]) -> None:
    """Give each pupil its new number ((pupil or record id, number, kind)); the old one is kept as superseded,
    findable forever. The numbers come from `registry.numbers` (allocation) or `problems.clearance` (final
    numbers), which lock the pupils and check every number ever issued or retired. Set-based: one UPDATE of the
    old numbers, one INSERT of the new, one UPDATE ... FROM of the pupils (no model objects); pupils given as
    objects get the new number set on them too."""
    if not issued:
        return
    now = clock.now()
    rows = [(s if isinstance(s, int) else s.pk, number, kind) for s, number, kind in issued]
    ids = [pk for pk, _n, _k in rows]
    NationalNumber.objects.filter(student_id__any_of=ids, superseded_at__isnull=True).update(superseded_at=now)
    insert_rows(NationalNumber, ["number", "kind", "student", "issued_at"],
                [(number, kind, pk, now) for pk, number, kind in rows])
    watched = counts.before(ids)
    update_rows(Student, "id", ["national_number"], [(pk, number) for pk, number, _k in rows])
    counts.after(watched)
    for student, number, _kind in issued:
        if not isinstance(student, int):
            student.national_number = number
    audit_record(actor=actor, action="number.issue", object_type="registry.student",
                 object_repr=f"{len(issued)} numbers",
                 after={"issued": [[pk, n] for pk, n, _k in rows[:200]], "count": len(issued)})


# Security labels (安全标记) ------------------------------------------------------------------------------------

@transaction.atomic
def student_set_label(*, actor, student: Student | int, label: str, reason: str) -> Student:
    """Set a pupil's security label (特殊保护 or none): the registrars of the pupil's school and county
    (`Cap.STUDENT_LABEL`), inside their jurisdiction (else NotFound), with a reason; one history row and the audit
    event with the label before and after. A refusal changes nothing; the same label again writes nothing."""
    if label not in SecurityLabel.values:
        raise ValidationFailed(f"Unknown security label {label!r}.", code="invalid_code", field="label")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("A label change needs its reason.", code="reason_required", field="reason")
    pk = student if isinstance(student, int) else student.pk
    locked = access(Student.objects.select_for_update(of=("self",)).select_related("school"), actor,
                    Cap.STUDENT_LABEL, pk=pk)
    old = locked.security_label
    if old == label:
        return locked
    watched = counts.before([locked.pk])
    Student.objects.filter(pk=locked.pk).update(security_label=label, updated_at=clock.now())
    counts.after(watched)
    _history(student_ids=[locked.pk], kind=ChangeKind.LABEL, old=old, new=label, actor=actor, reason=reason)
    audit_record(actor=actor, action="student.set_label", obj=locked, before={"security_label": old},
                 after={"security_label": label, "reason": reason[:255]})
    locked.security_label = label
    return locked


# Deletion -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StudentArchive:
    """What a deleted record leaves behind for its archive: the snapshot and every number it held."""

    student: Student
    snapshot: dict
    numbers: list[NationalNumber]


@transaction.atomic
def student_delete(*, actor, student: Student, archive: Callable[[StudentArchive], dict] | None = None) -> dict:
    """Remove a registered record with its details, family and numbers. `archive` (the caller's, e.g. a problem
    record's deletion) keeps the snapshot and retires the numbers first; what it returns goes into the audit.
    Refused (nothing changed) when a deletion guard says no (policy: a formal national number, switched off)."""
    require_deletable(student)
    counts.one(counts.key_of(_locked(student.pk)), None)
    numbers = list(NationalNumber.objects.filter(student=student).order_by("issued_at", "pk"))
    detail = StudentDetail.objects.filter(student=student).first()
    kept = StudentArchive(student=student, numbers=numbers, snapshot={
        "student": snapshot(student), "detail": snapshot(detail) if detail else None,
        "family": [snapshot(m) for m in FamilyMember.objects.filter(student=student)]})
    extra = archive(kept) if archive is not None else {}
    watched = counts.before([student.pk])
    NationalNumber.objects.filter(student=student).delete()
    audit_record(actor=actor, action="student.delete", obj=student, before=snapshot(student), after=extra)
    student.delete()
    counts.after(watched)
    return extra


# A record received from another province (跨省转学, 调档) ------------------------------------------------------------

@transaction.atomic
def student_create_from_file(*, school_class, province_code: str, record: dict, detail: dict,
                             family: Sequence[dict], numbers: Sequence[dict], request_id: int | None) -> Student:
    """The record of a pupil received from another province, where this database does not hold it (the provinces
    on separate databases): the record, its details, family members and national numbers as the sending side's
    file gives them (xueji/transfers/crossing.py `file_of`), in the receiving class; counted and audited."""
    record = dict(record)
    for name in ("birth_date", "entry_date"):
        record[name] = dt.date.fromisoformat(record[name]) if record.get(name) else None
    student = Student.objects.create(school=school_class.school, school_class=school_class,
                                     province_code=province_code, reg_status=RegStatus.REGISTERED, **record)
    detail_fields = {f.attname for f in StudentDetail._meta.concrete_fields}
    StudentDetail.objects.create(student=student, **{k: v for k, v in detail.items() if k in detail_fields})
    FamilyMember.objects.bulk_create([FamilyMember(student=student, **member) for member in family])
    NationalNumber.objects.bulk_create([
        NationalNumber(student=student, number=n["number"], kind=n["kind"],
                       issued_at=dt.datetime.fromisoformat(n["issued_at"]),
                       superseded_at=dt.datetime.fromisoformat(n["superseded_at"]) if n.get("superseded_at") else None)
        for n in numbers])
    counts.one(None, counts.key_of(student))
    counts.after(counts.before(), new=[student.pk])
    audit_record(actor=None, username="system", action="student.receive", obj=student,
                 after={"school_class": school_class.pk, "province": province_code, "request": request_id,
                        "family": len(family), "numbers": len(numbers)})
    return student


@transaction.atomic
def student_history_receive(*, student: Student, rows: Sequence[dict], request_id: int | None) -> int:
    """The history rows a received file brings (each with its origin key, kept in `changes.file_key`, so that a
    file applied twice copies nothing twice: the caller leaves out the keys the record holds)."""
    StudentHistory.objects.bulk_create([
        StudentHistory(student=student, kind=h["kind"], old=h["old"], new=h["new"],
                       changes={**(h["changes"] or {}), "file_key": h["key"]}, reason=h["reason"], request_id=None,
                       at=dt.datetime.fromisoformat(h["at"])) for h in rows])
    if rows:
        audit_record(actor=None, username="system", action="student.history_receive", obj=student,
                     after={"rows": len(rows), "request": request_id})
    return len(rows)


# Admission (招生录取): records entering their new school, set-based -------------------------------------------------

@transaction.atomic
def students_admit(*, actor, placements: Sequence[tuple[int, SchoolClass]], reason: str = "admission",
                   audit_after: dict | None = None) -> list[int]:
    """Admitted pupils whose records exist (graduated, completed, ... : off every roll) enter their new school: each
    placed in its class and enrolled again (在读, through the transition table), one UPDATE per class, their
    history rows (placement and status) and one audit event for the batch. Refused whole, nothing changed, when a
    record is gone, its status may not become 在读, or a class lacks room (class-size caps)."""
    by_class: dict[int, list[int]] = {}
    classes: dict[int, SchoolClass] = {}
    for pk, klass in placements:
        by_class.setdefault(klass.pk, []).append(int(pk))
        classes[klass.pk] = klass
    ids = sorted({int(pk) for pk, _klass in placements})
    if not ids:
        return []
    rows = {}
    for start in range(0, len(ids), 5000):
        rows.update((pk, (status, school, klass)) for pk, status, school, klass in Student.objects.select_for_update(
            of=("self",)).filter(pk__in=ids[start:start + 5000]).order_by("pk").values_list(
            "pk", "status", "school_id", "school_class_id"))
    if len(rows) != len(ids):
        raise Conflict(_("The record no longer exists."), code="record_gone")
    refused = [pk for pk, (status, _s, _k) in rows.items()
               if status in ON_ROLL or not status_change_allowed(status, StudentStatus.ENROLLED)]
    if refused:
        raise Conflict(format_lazy(_("{count} of these records cannot be enrolled again from their status."),
                                   count=len(refused)), code="status_not_allowed", details={"students": refused[:50]})
    require_room({pk: len(members) for pk, members in by_class.items()})
    before = counts.groups(ids)
    watched = counts.before(ids)
    now = clock.now()
    for klass_pk, members in sorted(by_class.items()):
        klass = classes[klass_pk]
        Student.objects.filter(pk__in=members).update(school_id=klass.school_id, school_class_id=klass.pk,
                                                      status=StudentStatus.ENROLLED, updated_at=now)
    counts.moved(before, counts.groups(ids))
    counts.after(watched)
    actor_id = getattr(actor, "pk", None)
    history = []
    for klass_pk, members in by_class.items():
        klass = classes[klass_pk]
        for pk in members:
            status, school, old_class = rows[pk]
            history.append(StudentHistory(
                student_id=pk, kind=ChangeKind.PLACEMENT, actor_id=actor_id, at=now, reason=reason[:255],
                changes={"school_id": [school, klass.school_id], "school_class_id": [old_class, klass.pk]}))
            history.append(StudentHistory(student_id=pk, kind=ChangeKind.STATUS, old=status,
                                          new=StudentStatus.ENROLLED, actor_id=actor_id, at=now, reason=reason[:255]))
    StudentHistory.objects.bulk_create(history, batch_size=2000)
    audit_record(actor=actor, action="student.admit", object_type="registry.student",
                 object_repr=f"{len(ids)} pupils", after={"count": len(ids), "students": ids[:200],
                                                          "classes": sorted(by_class)[:200], **(audit_after or {})})
    return ids
