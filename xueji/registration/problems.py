"""Problem records (问题学籍): found by verification and by the duplicate and error scans, resolved by the
schools and their authorities through the one approval engine.

Kinds and what each member school may do (every action is a request; default route: the school registrar
files, the county registrar approves; a province may change the route in policy):
- ID error (身份证件号错误, from verification or the error scan): change the data (`problem.correct`: the record
  is updated and verified again), delete the record (`problem.delete`: the only way a registered record is
  removed), or confirm with proof from the household register (`problem.confirm`: verify_status "proof").
- Duplicate ID number (身份证件号重复): the same three actions per record; only one record may keep the ID. When
  every record still holding it has had its confirmation approved, the dispute goes to the parties' common
  superior (`problem.arbitrate`, resolver "common_superior"): the arbiter names the record that keeps the ID;
  the others lose it (cleared, with an ID-error problem of their own, so their school must change them).
- Duplicate without ID (无身份证件号重复: same name, sex and birth date): the same three actions; once the
  authority has checked the proof of every record still in the group, they stand as distinct pupils.

Once a problem is resolved, its records that are cleared get their final number (clearance.issue_cleared).
"""

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xueji.accounts.jurisdiction import org_in_jurisdiction
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import clock, codes, idnumbers
from xueji.core.db import insert_rows
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from xueji.core.messages import user_message
from xueji.jobs.models import Job
from xueji.jobs.registry import job_handler
from xueji.jobs.services import job_start
from xueji.policy.services import province_code_of
from xueji.regions.models import OrgUnit
from xueji.registration.clearance import (
    duplicate_id_numbers,
    holds_id,
    issue_cleared,
    no_id_key,
)
from xueji.registration.models import (
    ACTIVE_MEMBER_STATES,
    DeletedRecord,
    MemberState,
    Problem,
    ProblemEvent,
    ProblemKind,
    ProblemMember,
    ProblemStatus,
    Resolution,
    RetiredNumber,
)
from xueji.registry.models import RegStatus, Student, VerifyStatus
from xueji.registry.services import (
    StudentArchive,
    identity_lock,
    identity_of,
    identity_require_unique,
    student_delete,
    student_revoke_id,
    student_set_identity,
    student_verify_confirm,
)
from xueji.registry.validation import validate_identity
from xueji.workflow.models import Request, RequestStatus
from xueji.workflow.resolvers import common_superior
from xueji.workflow.services import (
    current_step,
    decision_data,
    may_decide,
    proof_add,
    request_decide,
    request_submit,
)
from xueji.workflow.types import RequestType, register, register_subject, step

logger = logging.getLogger(__name__)

SUBJECT = register_subject("registration.problem", _("problem record")).code
# A school's action on its record of a problem is about that member: one open action per member at a time.
MEMBER_SUBJECT = register_subject("registration.problem_member", _("record of a problem record")).code
ACTIONS = ("correct", "delete", "confirm")
CORRECTABLE = ("name", "sex", "birth_date", "id_type", "id_number")
CHUNK = 1000


def _event(problem: Problem, kind: str, *, actor=None, member: ProblemMember | None = None,
           request: Request | None = None, note: str = "") -> ProblemEvent:
    return ProblemEvent.objects.create(problem=problem, kind=kind, actor=actor if getattr(actor, "pk", None) else None,
                                       member=member, request=request, note=note[:2000], at=clock.now())


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# Recording problems (idempotent) ----------------------------------------------------------------------------

def _insert_once(model, fields: list[str], rows: list[tuple], returning: tuple[str, ...] = ()) -> list[tuple] | None:
    """Insert rows the caller found absent. Plainly first (PostgreSQL's ON CONFLICT costs a speculative insertion
    per row); only if a parallel writer got there in between, again skipping the rows that now exist."""
    if not rows:
        return [] if returning else None
    try:
        with transaction.atomic():
            return insert_rows(model, fields, rows, returning=returning)
    except IntegrityError:
        return insert_rows(model, fields, rows, ignore_conflicts=True, returning=returning)


def record_problems(*, kind: str, province_code: str, groups: dict[str, list[int]],
                    details: dict[str, dict] | None = None, source: str, actor=None, job: Job | None = None,
                    records: dict[int, tuple[str, int, int]] | None = None) -> dict:
    """File the problems of these groups (key -> record ids). Idempotent: while a problem of the same kind and key
    is unresolved, new records join it instead of a second problem being filed (a partial unique constraint
    holds this even for two scans running at once). `records` (id -> name, school unit, county unit) saves a
    read when the caller has them. Returns counts and, per county, the records newly listed."""
    details = details or {}
    result = {"new": 0, "existing": 0, "members_added": 0, "by_county": Counter()}
    if not groups:
        return result
    at = clock.now()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    job_id = job.pk if job else None
    unresolved = ~Q(status=ProblemStatus.RESOLVED)
    for keys in _chunks(sorted(groups)):
        unresolved_of = Problem.objects.filter(unresolved, kind=kind, province_code=province_code)
        existing = dict(unresolved_of.filter(key__in=keys).values_list("key", "pk"))
        new_keys = [key for key in keys if key not in existing]
        inserted = _insert_once(Problem, ["kind", "status", "resolution", "province_code", "key", "detail", "source",
                                          "job", "created_at", "updated_at"],
                                [(kind, ProblemStatus.OPEN, "", province_code, key, details.get(key, {}), source,
                                  job_id, at, at) for key in new_keys], returning=("key", "id"))
        created = dict(inserted or [])
        missing = [key for key in new_keys if key not in created]
        if missing:  # not returned (another backend, or filed by a parallel scan a moment ago): read them
            raced = dict(unresolved_of.filter(key__in=missing).values_list("key", "pk"))
            if inserted is None:
                created.update(raced)
            else:
                existing.update(raced)
        problem_ids = {**existing, **created}
        result["new"] += len(created)
        result["existing"] += len(existing)
        student_ids = sorted({sid for key in keys for sid in groups[key]})
        info = records if records is not None else {
            pk: (name, school, county) for pk, name, school, county in Student.objects.filter(
                pk__in=student_ids).values_list("pk", "name", "school__org_unit_id", "school__county_id")}
        have = {(p, sid): state for p, sid, state in ProblemMember.objects.filter(
            problem_id__in=list(existing.values())).values_list("problem_id", "student_id", "state")
        } if existing else {}
        members, rejoined, added_to_existing = [], [], []
        for key in keys:
            problem_id = problem_ids.get(key)
            if problem_id is None:  # resolved between the two reads: the next scan files it again
                continue
            for sid in groups[key]:
                row = info.get(sid)
                if row is None:
                    continue
                state = have.get((problem_id, sid))
                if state is None:
                    members.append((problem_id, sid, row[0][:64], row[1], row[2], MemberState.OPEN))
                    result["by_county"][row[2]] += 1
                    if key not in created:
                        added_to_existing.append((problem_id, row[0]))
                elif state == MemberState.CHANGED:
                    rejoined.append((problem_id, sid))
        _insert_once(ProblemMember, ["problem", "student", "student_name", "school_org", "county_org", "state"],
                     members)
        for problem_id, sid in rejoined:  # a record changed back into the group is concerned again
            ProblemMember.objects.filter(problem_id=problem_id, student_id=sid).update(state=MemberState.OPEN)
        result["members_added"] += len(added_to_existing)
        # A new problem's "found" is its own row (created_at, source, job); later arrivals are events.
        events = [(problem_id, "member_added", actor_id, f"{source}: {name}", at)
                  for problem_id, name in added_to_existing]
        insert_rows(ProblemEvent, ["problem", "kind", "actor", "note", "at"], events)
    if result["new"] or result["members_added"]:
        audit_record(actor=actor, action="problem.record", object_type="registration.problem",
                     object_repr=f"{result['new']} new {kind} problems",
                     after={"kind": kind, "source": source, "new": result["new"], "existing": result["existing"],
                            "members_added": result["members_added"], "job": job_id})
    return result


def _distinct_confirmed(keys: Iterable[str], province_code: str) -> dict[str, set[int]]:
    """Records already confirmed as distinct pupils, per no-ID key: they are not a duplicate again."""
    confirmed: dict[str, set[int]] = defaultdict(set)
    for key, sid in ProblemMember.objects.filter(
            problem__kind=ProblemKind.DUPLICATE_NO_ID, problem__province_code=province_code,
            problem__key__in=list(keys), problem__resolution=Resolution.CONFIRMED_DISTINCT,
            state=MemberState.CONFIRMED).values_list("problem__key", "student_id"):
        confirmed[key].add(sid)
    return confirmed


def _drop_confirmed_distinct(groups: dict[str, list[int]], province_code: str) -> dict[str, list[int]]:
    if not groups:
        return groups
    confirmed: dict[str, set[int]] = {}
    for keys in _chunks(sorted(groups)):
        confirmed.update(_distinct_confirmed(keys, province_code))
    # A group stays a problem only if it holds a record not yet confirmed distinct (a newcomer).
    return {key: ids for key, ids in groups.items()
            if len(ids) >= 2 and any(sid not in confirmed.get(key, set()) for sid in ids)}


def record_duplicates_of(*, with_id: list[Student], without_id: list[Student], actor, job=None) -> set[int]:
    """Before issuing numbers: file duplicate problems for records among these that share an ID number (or,
    without ID, name, sex and birth date) with another registered record. Returns the ids concerned."""
    concerned: set[int] = set()
    by_province: dict[str, list[Student]] = defaultdict(list)
    for student in with_id:
        by_province[student.province_code].append(student)
    for province, students in by_province.items():
        dup_numbers = duplicate_id_numbers(s.id_number for s in students)
        if not dup_numbers:
            continue
        groups, records = duplicate_id_groups(province_code=province, keys=sorted(dup_numbers))
        record_problems(kind=ProblemKind.DUPLICATE_ID, province_code=province, groups=groups, source="clearance",
                        actor=actor, job=job, records=records)
        concerned.update(s.pk for s in students if s.id_number in dup_numbers)
    by_province.clear()
    for student in without_id:
        by_province[student.province_code].append(student)
    for province, students in by_province.items():
        wanted = {no_id_key(s.name, s.sex, s.birth_date) for s in students}
        groups, records = duplicate_no_id_groups(province_code=province, keys=wanted)
        groups = _drop_confirmed_distinct(groups, province)
        if not groups:
            continue
        record_problems(kind=ProblemKind.DUPLICATE_NO_ID, province_code=province, groups=groups,
                        source="clearance", actor=actor, job=job, records=records)
        concerned.update(s.pk for s in students if no_id_key(s.name, s.sex, s.birth_date) in groups)
    return concerned


# Duplicate scan: set-based SQL ------------------------------------------------------------------------------

# Pupils without a usable ID. The same predicate is the condition of the partial index that makes the no-ID
# grouping cheap (registration migration 0003); keep them identical so PostgreSQL can use the index.
NO_ID_SQL = "(id_number IS NULL OR id_number = '' OR id_type <> '1') AND reg_status = 'registered'"
# The plain grouping of ID numbers held more than once (the index on id_number serves it).
DUPLICATE_ID_SQL = ("SELECT id_number, COUNT(*) FROM {student} WHERE id_number IS NOT NULL GROUP BY id_number "
                    "HAVING COUNT(*) > 1")
DUPLICATE_NO_ID_SQL = ("SELECT name, sex, birth_date, COUNT(*) FROM {student} WHERE {no_id} "
                       "GROUP BY name, sex, birth_date HAVING COUNT(*) > 1")

Records = dict[int, tuple[str, int, int]]  # record id -> (name, school org unit id, county org unit id)


def _tables() -> dict[str, str]:
    from xueji.schools.models import School

    quote = connection.ops.quote_name
    return {"student": quote(Student._meta.db_table), "school": quote(School._meta.db_table),
            "org": quote(OrgUnit._meta.db_table)}


def _group_rows(rows, scope_path: str | None) -> tuple[dict[str, list[int]], Records]:
    """(key, record id, name, school unit, county unit, school path) rows -> groups of two or more records, and
    (for a scope) only groups with a record inside it."""
    groups: dict[str, list[int]] = defaultdict(list)
    inside: dict[str, bool] = defaultdict(bool)
    records: Records = {}
    for key, pk, name, school, county, path in rows:
        groups[key].append(pk)
        records[pk] = (name, school, county)
        inside[key] |= scope_path is None or path.startswith(scope_path)
    return {k: v for k, v in groups.items() if len(v) >= 2 and inside[k]}, records


def _in(column: str, values: list) -> tuple[str, list]:
    """column IN values: one array parameter on PostgreSQL (a thousand placeholders cost the driver and the
    parser), a list of placeholders elsewhere."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _member_rows(where: str, params: list, *, province_code: str) -> list[tuple]:
    t = _tables()
    sql = (f"SELECT s.id_number, s.name, s.sex, s.birth_date, s.id, sc.org_unit_id, sc.county_id, o.path "  # noqa: S608
           f"FROM {t['student']} s JOIN {t['school']} sc ON sc.id = s.school_id "
           f"JOIN {t['org']} o ON o.id = sc.org_unit_id "
           f"WHERE s.province_code = %s AND s.reg_status = 'registered' AND {where} ORDER BY s.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [province_code, *params])
        return cursor.fetchall()


def _fetch(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def duplicate_id_counts() -> dict[str, int]:
    """ID numbers held by more than one record, and how many: the plain GROUP BY (the id_number index serves it)."""
    return {key: n for key, n in _fetch(DUPLICATE_ID_SQL.format(**_tables())) if key}


def duplicate_no_id_counts() -> dict[str, int]:
    """(name, sex, birth date) shared by registered records without a usable ID (over the partial index)."""
    return {no_id_key(name, sex, _as_date(birth)): n for name, sex, birth, n in _fetch(
        DUPLICATE_NO_ID_SQL.format(student=_tables()["student"], no_id=NO_ID_SQL))}


def _unresolved(kind: str, province_code: str, scope_path: str) -> dict[str, tuple[int, int, bool]]:
    """The unresolved problems of a kind: key -> (problem id, records still holding the key, a record inside the
    scope). One grouped join over the problem tables (a correlated subquery per problem is far slower)."""
    quote = connection.ops.quote_name
    problem, member = quote(Problem._meta.db_table), quote(ProblemMember._meta.db_table)
    active = ", ".join(f"'{state}'" for state in ACTIVE_MEMBER_STATES)
    sql = (f"SELECT p.id, p.key, SUM(CASE WHEN m.state IN ({active}) THEN 1 ELSE 0 END), "  # noqa: S608
           f"MAX(CASE WHEN o.path LIKE %s THEN 1 ELSE 0 END) FROM {problem} p "
           f"JOIN {member} m ON m.problem_id = p.id JOIN {_tables()['org']} o ON o.id = m.school_org_id "
           f"WHERE p.kind = %s AND p.province_code = %s AND p.status <> %s GROUP BY p.id, p.key")
    with connection.cursor() as cursor:  # org paths are digits and slashes: nothing to escape for LIKE
        cursor.execute(sql, [scope_path + "%", kind, province_code, ProblemStatus.RESOLVED])
        return {key: (pk, int(n or 0), bool(inside)) for pk, key, n, inside in cursor.fetchall()}


def _needing_work(counts: dict[str, int], unresolved: dict[str, tuple[int, int, bool]]) -> tuple[list[str], int]:
    """Keys whose records must be read: no unresolved problem yet, or more records than the problem holds (one
    joined). Keys of problems that hold them all are left alone; returns how many of those lie in the scope."""
    needing = [key for key, n in counts.items() if key not in unresolved or n > unresolved[key][1]]
    settled = sum(1 for key, n in counts.items() if key in unresolved and n <= unresolved[key][1]
                  and unresolved[key][2])
    return needing, settled


def duplicate_id_groups(*, province_code: str, scope_path: str | None = None,
                        keys: list[str] | None = None) -> tuple[dict[str, list[int]], Records]:
    """Registered records of the province sharing an ID number. Without `keys`, one GROUP BY over the table finds
    the numbers held more than once; then only their records are read, through the id_number index. (Two
    statements on purpose: joined in one, PostgreSQL cannot foresee how few groups the HAVING keeps and plans
    a hash join over the whole table.)"""
    if keys is None:
        keys = list(duplicate_id_counts())
    rows = [row for chunk in _chunks(sorted(set(keys) - {""}))
            for row in _member_rows(*_in("s.id_number", chunk), province_code=province_code)]
    return _group_rows(((r[0], r[4], r[1], r[5], r[6], r[7]) for r in rows), scope_path)


def duplicate_no_id_groups(*, province_code: str, scope_path: str | None = None,
                           keys: Iterable[str] | None = None) -> tuple[dict[str, list[int]], Records]:
    """Registered records of the province without a usable ID sharing name, sex and birth date. Without `keys`,
    the GROUP BY reads the partial index of pupils without ID; then their records are read by name."""
    if keys is None:
        keys = list(duplicate_no_id_counts())
    wanted = set(keys)
    no_id = NO_ID_SQL.replace("id_number", "s.id_number").replace("id_type", "s.id_type") \
        .replace("reg_status", "s.reg_status")
    names = sorted({k.split("|", 1)[0] for k in wanted})
    rows = []
    for chunk in _chunks(names):
        where, params = _in("s.name", chunk)
        rows += _member_rows(f"{no_id} AND {where}", params, province_code=province_code)
    keyed = ((no_id_key(r[1], r[2], _as_date(r[3])), r) for r in rows)
    return _group_rows(((key, r[4], r[1], r[5], r[6], r[7]) for key, r in keyed if key in wanted), scope_path)


def _as_date(value):
    import datetime as dt

    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _refresh_stale(*, found: set[str], unresolved: dict[str, tuple[int, int, bool]], actor) -> int:
    """Unresolved duplicate problems of the scope whose key the grouping no longer finds (records changed outside
    the problem): resolved as no longer applying. Problems with a decision pending are left to it."""
    resolved = 0
    for pk in [pk for key, (pk, _n, inside) in unresolved.items() if inside and key not in found]:
        with transaction.atomic():
            problem = Problem.objects.select_for_update().get(pk=pk)
            if problem.status != ProblemStatus.OPEN or problem.members.filter(
                    request__status=RequestStatus.PENDING).exists():
                continue
            for member in problem.members.filter(state__in=ACTIVE_MEMBER_STATES).select_related("student"):
                if member.student is None or not _matches(problem, member.student):
                    member.state = MemberState.DELETED if member.student is None else MemberState.CHANGED
                    member.save(update_fields=["state"])
            if problem.members.filter(state__in=ACTIVE_MEMBER_STATES).count() <= 1:
                _resolve(problem, Resolution.CLEARED, actor, note="scan: the records no longer share the key")
                resolved += 1
    return resolved


def duplicate_scan(*, province_code: str, scope: OrgUnit, actor, job: Job | None = None, progress=None) -> dict:
    """The duplicate check (查重) of a province, or of one authority's subtree (duplicates with a record inside
    it, wherever the other record is in the province). Set-based: one GROUP BY id_number and one GROUP BY name,
    sex, birth date (over the partial index of pupils without ID). Only the groups that need it are read in full:
    those without an unresolved problem, or with more records than their problem holds. Idempotent: running it
    again files nothing new while the problems are unresolved."""
    progress = progress or (lambda pct, message: None)
    progress(5, "grouping ID numbers")
    id_counts = duplicate_id_counts()
    id_unresolved = _unresolved(ProblemKind.DUPLICATE_ID, province_code, scope.path)
    id_keys, id_settled = _needing_work(id_counts, id_unresolved)
    id_groups, id_records = duplicate_id_groups(province_code=province_code, scope_path=scope.path, keys=id_keys)
    progress(40, f"{len(id_counts)} shared ID numbers ({len(id_keys)} to read); grouping records without ID")
    no_id_counts = duplicate_no_id_counts()
    no_id_unresolved = _unresolved(ProblemKind.DUPLICATE_NO_ID, province_code, scope.path)
    no_id_keys, no_id_settled = _needing_work(no_id_counts, no_id_unresolved)
    no_id, no_id_records = duplicate_no_id_groups(province_code=province_code, scope_path=scope.path,
                                                  keys=no_id_keys)
    no_id = _drop_confirmed_distinct(no_id, province_code)
    progress(60, f"{len(no_id_counts)} groups without ID ({len(no_id_keys)} to read); filing the problems")
    with transaction.atomic():
        by_id = record_problems(kind=ProblemKind.DUPLICATE_ID, province_code=province_code, groups=id_groups,
                                source="scan", actor=actor, job=job, records=id_records)
        by_no_id = record_problems(kind=ProblemKind.DUPLICATE_NO_ID, province_code=province_code, groups=no_id,
                                   source="scan", actor=actor, job=job, records=no_id_records)
    by_id["existing"] += id_settled
    by_no_id["existing"] += no_id_settled
    stale = _refresh_stale(found=set(id_counts), unresolved=id_unresolved, actor=actor)
    stale += _refresh_stale(found=set(no_id_counts), unresolved=no_id_unresolved, actor=actor)
    progress(95, "summarising per county")
    return {"duplicate_id": _counts(by_id), "duplicate_no_id": _counts(by_no_id), "stale_resolved": stale,
            "by_county": county_summary(scope=scope, new={ProblemKind.DUPLICATE_ID: by_id["by_county"],
                                                          ProblemKind.DUPLICATE_NO_ID: by_no_id["by_county"]})}


def _counts(result: dict) -> dict:
    return {"new": result["new"], "existing": result["existing"], "members_added": result["members_added"]}


def county_summary(*, scope: OrgUnit, new: dict[str, Counter] | None = None) -> list[dict]:
    """Per county: unresolved problems with a record inside the scope, by kind (and, after a scan, the records
    newly listed). For a school scope, its own pupils' problems under its county."""
    from django.db.models import Count

    rows = (ProblemMember.objects.filter(school_org__path__startswith=scope.path)
            .exclude(problem__status=ProblemStatus.RESOLVED)
            .values("county_org_id", "county_org__name", "county_org__code", "problem__kind")
            .annotate(n=Count("problem_id", distinct=True)).order_by("county_org__code"))
    counties: dict[int, dict] = {}
    for row in rows:
        entry = counties.setdefault(row["county_org_id"], {
            "county": row["county_org_id"], "name": row["county_org__name"], "code": row["county_org__code"],
            "unresolved": {}, "new_records": {}})
        entry["unresolved"][row["problem__kind"]] = row["n"]
    for kind, per_county in (new or {}).items():
        for county_id, n in per_county.items():
            if county_id in counties:
                counties[county_id]["new_records"][kind] = n
    return list(counties.values())


# Error scan -------------------------------------------------------------------------------------------------

def _id_contradiction(id_number: str, birth_date, sex: str) -> str | None:
    try:
        parsed = idnumbers.parse(id_number)
    except idnumbers.InvalidId as exc:
        return exc.code
    contradicted = idnumbers.contradicts(parsed, birth_date=birth_date, sex=sex)
    return f"{contradicted[0]}_mismatch" if contradicted else None


def error_scan(*, province_code: str, scope: OrgUnit, actor, job: Job | None = None, progress=None) -> dict:
    """ID errors of the scope's registered records: verification answers without an unresolved problem, and
    resident ID numbers that contradict themselves (length, check character) or the record (birth date, sex)."""
    progress = progress or (lambda pct, message: None)
    from xueji.registration.clearance import has_id_q

    base = Student.objects.filter(province_code=province_code, reg_status=RegStatus.REGISTERED,
                                  school__org_unit__path__startswith=scope.path)
    groups: dict[str, list[int]] = {}
    details: dict[str, dict] = {}
    reasons = Counter()
    for pk, status in base.filter(verify_status__in=[VerifyStatus.NOT_FOUND, VerifyStatus.MISMATCH]).values_list(
            "pk", "verify_status"):
        reason = "id_not_found" if status == VerifyStatus.NOT_FOUND else "name_mismatch"
        groups[f"s{pk}"], details[f"s{pk}"] = [pk], {"reason": reason}
        reasons[reason] += 1
    progress(20, f"{len(groups)} failed verifications")
    total = base.filter(has_id_q()).count()
    seen = 0
    for pk, number, birth, sex in base.filter(has_id_q()).values_list(
            "pk", "id_number", "birth_date", "sex").order_by("pk").iterator(chunk_size=5000):
        seen += 1
        reason = _id_contradiction(number, birth, sex)
        if reason and f"s{pk}" not in groups:
            groups[f"s{pk}"], details[f"s{pk}"] = [pk], {"reason": reason}
            reasons[reason] += 1
        if seen % 50000 == 0:
            progress(20 + 60 * seen // max(total, 1), f"{seen}/{total} ID numbers checked")
    with transaction.atomic():
        result = record_problems(kind=ProblemKind.ID_ERROR, province_code=province_code, groups=groups,
                                 details=details, source="scan", actor=actor, job=job)
    return {"id_error": _counts(result), "reasons": dict(reasons),
            "by_county": county_summary(scope=scope, new={ProblemKind.ID_ERROR: result["by_county"]})}


# Starting scans ---------------------------------------------------------------------------------------------

SCAN_KINDS = {"duplicates": ("registration.scan_duplicates", "查重（重复学籍扫描）"),
              "errors": ("registration.scan_errors", "问题学籍扫描（身份证件号错误）")}


def scan_start(*, actor, kind: str, org_unit: OrgUnit | None = None) -> Job:
    """A province registrar scans the province; a city or county registrar its own subtree."""
    require_cap(actor, Cap.PROBLEM_SCAN)
    if kind not in SCAN_KINDS:
        raise ValidationFailed(f"Unknown scan {kind!r}; choose duplicates or errors.", code="unknown_scan",
                               field="kind")
    scope = org_unit or actor.org_unit
    if not org_in_jurisdiction(actor, scope):
        raise NotFound("organisation unit not found")
    if province_code_of(scope) is None:
        raise ValidationFailed("Scans run within a province.", code="no_province")
    job_kind, title = SCAN_KINDS[kind]
    return job_start(actor=actor, kind=job_kind, title=f"{title}：{scope.name}", params={"org_unit": scope.pk})


def _scope_of(ctx) -> tuple[OrgUnit, str]:
    scope = OrgUnit.objects.get(pk=ctx.params["org_unit"])
    return scope, province_code_of(scope)


@job_handler("registration.scan_duplicates")
def scan_duplicates_job(ctx) -> dict:
    scope, province = _scope_of(ctx)
    result = duplicate_scan(province_code=province, scope=scope, actor=ctx.job.created_by, job=ctx.job,
                            progress=ctx.progress)
    ctx.progress(100, f"duplicate ID: {result['duplicate_id']['new']} new; "
                      f"without ID: {result['duplicate_no_id']['new']} new")
    return result


@job_handler("registration.scan_errors")
def scan_errors_job(ctx) -> dict:
    scope, province = _scope_of(ctx)
    result = error_scan(province_code=province, scope=scope, actor=ctx.job.created_by, job=ctx.job,
                        progress=ctx.progress)
    ctx.progress(100, f"ID errors: {result['id_error']['new']} new")
    return result


# Filing actions ---------------------------------------------------------------------------------------------

def _matches(problem: Problem, student: Student) -> bool:
    """Does the record still hold the key that makes it part of the problem?"""
    if problem.kind == ProblemKind.DUPLICATE_ID:
        return student.id_number == problem.key
    if problem.kind == ProblemKind.DUPLICATE_NO_ID:
        return not holds_id(student) and no_id_key(student.name, student.sex, student.birth_date) == problem.key
    return True


def clean_changes(*, student: Student, changes: dict[str, Any]) -> dict[str, Any]:
    """Check a correction: known items only, valid codes, a resident ID that agrees with the birth date and sex,
    an ID no other record holds. Returns only what changes, as JSON-able values."""
    import datetime as dt

    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise ValidationFailed(f"Only {', '.join(CORRECTABLE)} can be corrected here.", code="not_correctable",
                               field=sorted(unknown)[0])
    current = {"name": student.name, "sex": student.sex, "birth_date": student.birth_date,
               "id_type": student.id_type, "id_number": student.id_number or ""}
    new = dict(current)
    for key, value in changes.items():
        value = "" if value is None else value
        if key == "birth_date" and not isinstance(value, dt.date):
            try:
                value = dt.date.fromisoformat(str(value).strip())
            except ValueError:
                raise ValidationFailed("Give the date of birth as YYYY-MM-DD.", code="invalid_date",
                                       field="birth_date") from None
        elif key == "id_number":
            value = idnumbers.normalise(str(value))
        elif isinstance(value, str):
            value = value.strip()
        new[key] = value
    refused: list[ValidationFailed] = []  # every reason at once, not one per submission
    if not new["name"] or len(new["name"]) > 64:
        refused.append(ValidationFailed("The name is required (64 characters at most).", code="invalid_name",
                                        field="name"))
    if new["sex"] not in codes.SEX.codes:
        refused.append(ValidationFailed(f"Unknown sex code {new['sex']!r}.", code="invalid_code", field="sex"))
    if new["id_type"] not in codes.ID_DOC_TYPE.codes:
        refused.append(ValidationFailed(f"Unknown ID document type {new['id_type']!r}.", code="invalid_code",
                                        field="id_type"))
    if new["birth_date"] > clock.today():
        refused.append(ValidationFailed("The date of birth is in the future.", code="future_date",
                                        field="birth_date"))
    if len(new["id_number"]) > 32:
        refused.append(ValidationFailed("The ID number is too long.", code="invalid_id", field="id_number"))
    elif new["id_type"] == "1" and new["id_number"]:
        try:
            parsed = idnumbers.parse(new["id_number"])
        except idnumbers.InvalidId as exc:
            refused.append(ValidationFailed(str(exc), code=exc.code, field="id_number"))
        else:
            contradicted = idnumbers.contradicts(parsed, birth_date=new["birth_date"], sex=new["sex"])
            if "birth_date" in contradicted:
                refused.append(ValidationFailed("The ID number's birth date differs from the date of birth.",
                                                code="id_birth_date_mismatch", field="id_number"))
            if "sex" in contradicted:
                refused.append(ValidationFailed("The ID number's sex digit differs from the sex.",
                                                code="id_sex_mismatch", field="id_number"))
    # The row validator's identity rules (name characters, formula-like cells, plausible birth date), on the items
    # the correction changes (what it leaves as it is is not held against it) and not said above already.
    said = {e.field for e in refused}
    refused += [ValidationFailed(e.message, code="invalid_identity", field=e.key)
                for e in validate_identity(new, today=clock.today())
                if new.get(e.key) != current.get(e.key) and e.key not in said]
    if refused:
        first = refused[0]
        details: dict[str, list[str]] = {}
        for error in refused:
            details.setdefault(error.field, []).append(user_message(error))
        raise ValidationFailed(first.words if first.words is not None else first.message, code=first.code,
                               field=first.field, details=details)
    # The one duplicate rule of every path that sets identity items (registry.services.identity_holders), for
    # what this correction changes: a record already a duplicate may be corrected in its other items.
    changes_identity = (new["id_number"] != current["id_number"] if new["id_number"]
                        else any(new[k] != current[k] for k in ("name", "sex", "birth_date", "id_number")))
    if changes_identity:
        identity_lock()  # until the transaction ends: no other path inserts this identity meanwhile
        identity_require_unique(school=student.school, identity=identity_of(new, exclude_pk=student.pk))
    out = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in new.items() if v != current[k]}
    if not out:
        raise ValidationFailed("The correction changes nothing.", code="no_change")
    return out


def _member_for(actor, problem: Problem, member_id: int | None) -> ProblemMember:
    members = list(problem.members.select_related("student", "school_org"))
    if member_id is not None:
        member = next((m for m in members if m.pk == member_id), None)
        if member is None or not org_in_jurisdiction(actor, member.school_org):
            raise NotFound("problem record member not found")
        return member
    own = [m for m in members if m.school_org_id == actor.org_unit_id and m.state in ACTIVE_MEMBER_STATES]
    if len(own) != 1:
        raise ValidationFailed("Name the record (member) this action is for.", code="member_required",
                               field="member")
    return own[0]


ACTION_LABELS = {"correct": "问题学籍更正", "delete": "问题学籍删除", "confirm": "问题学籍确认（户籍证明）"}


@transaction.atomic
def problem_action_file(*, actor, problem: Problem, action: str, member_id: int | None = None,
                        changes: dict[str, Any] | None = None, reason: str = "", uploads: Iterable = ()) -> Request:
    """The member's school registrar files a correction, a deletion or a confirmation with proof. The request
    goes the route of its type (default: county registrar approves); nothing changes until it is approved."""
    require_cap(actor, Cap.REQUEST_FILE)
    if action not in ACTIONS:
        raise ValidationFailed(f"Unknown action {action!r}.", code="unknown_action", field="action")
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    member = _member_for(actor, problem, member_id)
    if actor.org_unit_id != member.school_org_id:
        raise Forbidden("Problem records are acted on by the pupil's school; its authority approves.",
                        code="school_only")
    if problem.status == ProblemStatus.RESOLVED:
        raise Conflict("This problem record is already resolved.", code="problem_resolved")
    if problem.status == ProblemStatus.ARBITRATION:
        raise Conflict("This problem is under arbitration by the common superior authority.",
                       code="under_arbitration")
    if member.state != MemberState.OPEN:
        raise Conflict(f"This record's part is already settled ({member.get_state_display()}).",
                       code="member_settled")
    student = member.student
    if student is None:
        raise Conflict("The record no longer exists.", code="record_gone")
    reason = (reason or "").strip()
    payload: dict[str, Any] = {"problem": problem.pk, "member": member.pk, "student": student.pk,
                               "kind": problem.kind, "reason": reason[:1000]}
    if action == "correct":
        payload["changes"] = clean_changes(student=student, changes=changes or {})
        payload["before"] = {k: (getattr(student, k).isoformat() if k == "birth_date" else getattr(student, k))
                             for k in payload["changes"]}
    elif action == "delete":
        if not reason:
            raise ValidationFailed("Give the reason for deleting the record.", code="reason_required", field="reason")
    elif action == "confirm":
        if problem.kind != ProblemKind.DUPLICATE_NO_ID and not (holds_id(student)
                                                              and idnumbers.is_valid(student.id_number)):
            raise ValidationFailed("Only a well-formed resident ID number can be confirmed; correct it instead.",
                                   code="not_confirmable")
    school = member.school_org.name
    request = request_submit(actor=actor, type=f"problem.{action}",
                             title=f"{ACTION_LABELS[action]}：{student.name}（{school}）",
                             subject_type=SUBJECT, subject_id=str(problem.pk), payload=payload,
                             subjects=[(MEMBER_SUBJECT, member.pk)])  # the engine refuses a second open one
    for upload in uploads:
        proof_add(actor=actor, request=request, upload=upload, description="户籍证明")
    member.request = request
    member.save(update_fields=["request"])
    problem.updated_at = clock.now()
    problem.save(update_fields=["updated_at"])
    _event(problem, f"filed_{action}", actor=actor, member=member, request=request, note=reason)
    return request


# What approval does -----------------------------------------------------------------------------------------

def _locked(request: Request) -> tuple[Problem, ProblemMember, Student | None]:
    payload = request.payload or {}
    problem = Problem.objects.select_for_update().get(pk=payload["problem"])
    member = ProblemMember.objects.get(pk=payload["member"], problem=problem)
    student = Student.objects.select_for_update(of=("self",)).select_related("school__org_unit", "school__county") \
        .filter(pk=member.student_id).first() if member.student_id else None
    return problem, member, student


def _resolve(problem: Problem, resolution: str, actor, note: str = "", request: Request | None = None) -> None:
    now = clock.now()
    problem.status, problem.resolution, problem.resolved_at, problem.updated_at = (
        ProblemStatus.RESOLVED, resolution, now, now)
    problem.save(update_fields=["status", "resolution", "resolved_at", "updated_at"])
    _event(problem, "resolved", actor=actor, request=request, note=note or resolution)
    audit_record(actor=actor, action="problem.resolve", obj=problem,
                 after={"kind": problem.kind, "resolution": resolution})


def _clear_numbers(members: Iterable[ProblemMember], actor) -> dict:
    ids = [m.student_id for m in members if m.student_id]
    return issue_cleared(student_ids=ids, actor=actor) if ids else {}


def _reevaluate(problem: Problem, actor, resolution: str, request: Request | None = None) -> None:
    """After a member's change: resolve when at most one record still holds the key; when every record still
    holding it is confirmed, a duplicate ID goes to arbitration and a duplicate without ID stands as distinct."""
    if problem.status != ProblemStatus.OPEN:
        return
    active = list(problem.members.filter(state__in=ACTIVE_MEMBER_STATES).order_by("pk"))
    if len(active) <= 1:
        _resolve(problem, resolution, actor, request=request)
        _clear_numbers(active, actor)
        return
    if all(m.state == MemberState.CONFIRMED for m in active):
        if problem.kind == ProblemKind.DUPLICATE_NO_ID:
            _resolve(problem, Resolution.CONFIRMED_DISTINCT, actor, request=request,
                     note="the authorities checked the proof of every record: distinct pupils")
            _clear_numbers(active, actor)
        elif problem.kind == ProblemKind.DUPLICATE_ID:
            _start_arbitration(problem, active, actor)


def arbitration_parties(members: list[ProblemMember]) -> list[int]:
    """The parties whose common superior arbitrates: the records' counties; within one county, the schools
    (their county decides); within one school, the school and its county (the county decides)."""
    counties = list(dict.fromkeys(m.county_org_id for m in members))
    if len(counties) >= 2:
        return counties
    schools = list(dict.fromkeys(m.school_org_id for m in members))
    return schools if len(schools) >= 2 else [schools[0], counties[0]]


def _start_arbitration(problem: Problem, active: list[ProblemMember], actor) -> Request:
    parties = arbitration_parties(active)
    request = request_submit(actor=actor, type=ARBITRATE.code,
                             title=f"重复身份证件号仲裁：{idnumbers.mask(problem.key)}（{len(active)} 条学籍）",
                             subject_type=SUBJECT, subject_id=str(problem.pk),
                             payload={"problem": problem.pk, "parties": parties, "members": [m.pk for m in active]})
    problem.status, problem.arbitration_request, problem.updated_at = (
        ProblemStatus.ARBITRATION, request, clock.now())
    problem.save(update_fields=["status", "arbitration_request", "updated_at"])
    _event(problem, "arbitration", actor=actor, request=request,
           note="both authorities approved their own record: sent to the common superior")
    return request


def _apply_correct(*, request: Request, actor) -> dict:
    from xueji.registration.verification import verify_students

    problem, member, student = _locked(request)
    if student is None:
        raise Conflict("The record no longer exists.", code="record_gone")
    try:  # checked again: another record may have taken the ID number since the request was filed
        changes = clean_changes(student=student, changes=request.payload.get("changes") or {})
    except ValidationFailed as exc:
        if exc.code != "no_change":
            raise
        changes = {}
    student = student_set_identity(actor=actor, student=student, changes=changes)
    verification = None
    if holds_id(student) and student.verify_status == VerifyStatus.UNVERIFIED:
        verification = verify_students(student_ids=[student.pk], actor=actor, resolution=Resolution.CORRECTED)
        student.refresh_from_db(fields=["verify_status"])
    problem.refresh_from_db()
    result = {"student": student.pk, "changed": sorted(changes), "verify_status": student.verify_status}
    if problem.kind == ProblemKind.ID_ERROR:
        if problem.status == ProblemStatus.OPEN:
            if student.verify_status in (VerifyStatus.VERIFIED, VerifyStatus.PROOF) or not holds_id(student):
                member.state = MemberState.CHANGED
                member.save(update_fields=["state"])
                _resolve(problem, Resolution.CORRECTED, actor, request=request)
            else:
                problem.detail = {**problem.detail, "reason": _reason_of(student.verify_status),
                                  "after_correction": True}
                problem.updated_at = clock.now()
                problem.save(update_fields=["detail", "updated_at"])
                _event(problem, "still_failing", actor=actor, member=member, request=request,
                       note=student.get_verify_status_display())
        else:
            member.state = MemberState.CHANGED
            member.save(update_fields=["state"])
    else:
        member.state = MemberState.OPEN if _matches(problem, student) else MemberState.CHANGED
        member.save(update_fields=["state"])
        _event(problem, "approved_correct", actor=actor, member=member, request=request)
        _reevaluate(problem, actor, Resolution.CORRECTED, request=request)
    _reevaluate_others(student, problem, actor, request)
    result["numbers"] = issue_cleared(student_ids=[student.pk], actor=actor)
    result["problem_status"] = problem.status
    if verification:
        result["verification"] = {k: v for k, v in verification.items() if k != "verified_ids"}
    return result


def _reason_of(verify_status: str) -> str:
    return {VerifyStatus.NOT_FOUND: "id_not_found", VerifyStatus.MISMATCH: "name_mismatch"}.get(verify_status,
                                                                                             "unverified")


def _reevaluate_others(student: Student | None, problem: Problem, actor, request: Request | None,
                       deleted_id: int | None = None) -> None:
    """A record changed or deleted through one problem may settle its other problems too."""
    sid = student.pk if student is not None else deleted_id
    for other in ProblemMember.objects.filter(student_id=sid, problem__status=ProblemStatus.OPEN,
                                              state__in=ACTIVE_MEMBER_STATES).exclude(problem=problem):
        locked = Problem.objects.select_for_update().get(pk=other.problem_id)
        if student is None:
            other.state = MemberState.DELETED
        elif not _matches(locked, student):
            other.state = MemberState.CHANGED
        else:
            continue
        other.save(update_fields=["state"])
        if locked.kind == ProblemKind.ID_ERROR:
            _resolve(locked, Resolution.DELETED if student is None else Resolution.CORRECTED, actor, request=request)
        else:
            _reevaluate(locked, actor, Resolution.DELETED if student is None else Resolution.CORRECTED,
                        request=request)


def delete_record(*, student: Student, actor, problem: Problem | None, request: Request | None) -> DeletedRecord:
    """Remove a registered record. Its numbers are retired (findable, never issued again) and a snapshot kept."""
    def archive(kept: StudentArchive) -> dict:
        now = clock.now()
        record = DeletedRecord.objects.create(
            former_id=student.pk, province_code=student.province_code, school_org=student.school.org_unit,
            name=student.name, id_number=student.id_number or "", numbers=[n.number for n in kept.numbers],
            snapshot=kept.snapshot, problem=problem, request=request, deleted_by=actor, deleted_at=now)
        RetiredNumber.objects.bulk_create([RetiredNumber(number=n.number, kind=n.kind, record=record,
                                                         issued_at=n.issued_at, retired_at=now) for n in kept.numbers])
        archived.append(record)
        return {"deleted_record": record.pk, "retired_numbers": record.numbers,
                "problem": problem.pk if problem else None}

    archived: list[DeletedRecord] = []
    student_delete(actor=actor, student=student, archive=archive)
    return archived[0]


def _apply_delete(*, request: Request, actor) -> dict:
    problem, member, student = _locked(request)
    if student is None:
        raise Conflict("The record no longer exists.", code="record_gone")
    sid = student.pk
    # Settle the record's part in every problem before it goes (the rows keep its name, school and county).
    member.state = MemberState.DELETED
    member.save(update_fields=["state"])
    record = delete_record(student=student, actor=actor, problem=problem, request=request)
    _event(problem, "approved_delete", actor=actor, member=member, request=request)
    if problem.status == ProblemStatus.OPEN:
        if problem.kind == ProblemKind.ID_ERROR:
            _resolve(problem, Resolution.DELETED, actor, request=request)
        else:
            _reevaluate(problem, actor, Resolution.DELETED, request=request)
    _reevaluate_others(None, problem, actor, request, deleted_id=sid)
    return {"deleted_record": record.pk, "retired_numbers": record.numbers, "problem_status": problem.status}


def _apply_confirm(*, request: Request, actor) -> dict:
    problem, member, student = _locked(request)
    if student is None:
        raise Conflict("The record no longer exists.", code="record_gone")
    if not request.proofs.exists():
        raise ValidationFailed("Attach the household-register proof before the confirmation is approved.",
                               code="proof_required")
    student_verify_confirm(actor=actor, student=student, request_id=request.pk)
    member.state = MemberState.CONFIRMED
    member.save(update_fields=["state"])
    _event(problem, "approved_confirm", actor=actor, member=member, request=request)
    if problem.status == ProblemStatus.OPEN:
        if problem.kind == ProblemKind.ID_ERROR:
            _resolve(problem, Resolution.CONFIRMED, actor, request=request)
            # The household register settles this record's other verification failures too.
            for other in ProblemMember.objects.filter(student=student, problem__kind=ProblemKind.ID_ERROR,
                                                      problem__status=ProblemStatus.OPEN).exclude(problem=problem):
                _resolve(Problem.objects.select_for_update().get(pk=other.problem_id), Resolution.CONFIRMED, actor,
                         request=request)
        else:
            _reevaluate(problem, actor, Resolution.CONFIRMED, request=request)
    numbers = issue_cleared(student_ids=[student.pk], actor=actor)
    return {"student": student.pk, "verify_status": VerifyStatus.PROOF, "problem_status": problem.status,
            "numbers": numbers}


def _apply_arbitrate(*, request: Request, actor) -> dict:
    payload = request.payload or {}
    problem = Problem.objects.select_for_update().get(pk=payload["problem"])
    keep = decision_data(request).get("keep_member")  # the arbiter's choice, carried by the decision
    if not keep:
        raise ValidationFailed("The arbiter names the record that keeps the ID number (the problem's arbitration "
                               "action).", code="choice_required", field="keep_member")
    members = list(problem.members.filter(pk__in=payload.get("members") or []).order_by("pk"))
    winner = next((m for m in members if m.pk == keep), None)
    if winner is None or winner.state != MemberState.CONFIRMED or winner.student_id is None:
        raise ValidationFailed("That record is not one of the disputed records.", code="invalid_choice",
                               field="keep_member")
    changed = []
    for member in members:
        if member.pk == winner.pk or member.state not in ACTIVE_MEMBER_STATES:
            continue
        student = Student.objects.select_for_update().filter(pk=member.student_id).first()
        member.state = MemberState.LOST
        member.save(update_fields=["state"])
        if student is None:
            continue
        student_revoke_id(actor=actor, student=student, reason={"problem": problem.pk})
        record_problems(kind=ProblemKind.ID_ERROR, province_code=problem.province_code,
                        groups={f"s{student.pk}": [student.pk]},
                        details={f"s{student.pk}": {"reason": "arbitration", "problem": problem.pk}},
                        source="arbitration", actor=actor)
        changed.append(student.pk)
    winner.state = MemberState.KEPT
    winner.save(update_fields=["state"])
    _event(problem, "arbitrated", actor=actor, member=winner, request=request,
           note=f"keeps the ID: {winner.student_name} ({winner.school_org.name})")
    _resolve(problem, Resolution.ARBITRATED, actor, request=request)
    numbers = issue_cleared(student_ids=[winner.student_id], actor=actor)
    return {"kept": winner.student_id, "must_change": changed, "numbers": numbers}


def _on_member_returned(*, request: Request, actor) -> None:
    problem = Problem.objects.filter(pk=(request.payload or {}).get("problem")).first()
    if problem is not None:
        _event(problem, "returned", actor=actor, request=request, note=request.reject_reason)


def _on_member_withdrawn(*, request: Request, actor) -> None:
    problem = Problem.objects.filter(pk=(request.payload or {}).get("problem")).first()
    if problem is not None:
        _event(problem, "withdrawn", actor=actor, request=request)


def _on_arbitration_withdrawn(*, request: Request, actor) -> None:
    """Arbitration taken back: the confirmations lapse and the schools act again."""
    problem = Problem.objects.select_for_update().filter(pk=(request.payload or {}).get("problem")).first()
    if problem is None or problem.status != ProblemStatus.ARBITRATION:
        return
    problem.members.filter(state=MemberState.CONFIRMED).update(state=MemberState.OPEN)
    problem.status, problem.arbitration_request, problem.updated_at = ProblemStatus.OPEN, None, clock.now()
    problem.save(update_fields=["status", "arbitration_request", "updated_at"])
    _event(problem, "arbitration_withdrawn", actor=actor, request=request)


def _arbitration_parties(request: Request) -> dict:
    """The arbiter: the common superior of the parties the problem named (its records' counties or schools)."""
    units = list(OrgUnit.objects.filter(pk__in=(request.payload or {}).get("parties") or []))
    if len(units) < 2:
        raise ValidationFailed("Arbitration needs two parties.", code="unresolvable_step")
    return {"common_superior": common_superior(units)}


def _check_arbitration(*, request: Request, step, data: dict) -> dict:
    """The arbiter's approval names the disputed record that keeps the ID number."""
    keep = data.get("keep_member")
    if not keep:
        raise ValidationFailed("The arbiter names the record that keeps the ID number (the problem's arbitration "
                               "action).", code="choice_required", field="keep_member")
    if keep not in (request.payload or {}).get("members", []):
        raise ValidationFailed("That record is not one of the disputed records.", code="invalid_choice",
                               field="keep_member")
    return {"keep_member": keep}


# The county registrar approves by default; a province may change the route (policy.route_set).
MEMBER_ROUTE = (step("filing_county", "registrar"),)
ARBITRATION_ROUTE = (step("common_superior", "registrar"),)

MEMBER_TYPES = ("problem.correct", "problem.delete", "problem.confirm")  # exclude each other on one member
CORRECT = register(RequestType(code="problem.correct", label=_("Correction of a problem record"),
                               default_route=MEMBER_ROUTE,
                               apply=_apply_correct, on_returned=_on_member_returned,
                               on_withdrawn=_on_member_withdrawn,
                               subjects=(MEMBER_SUBJECT,), excludes=MEMBER_TYPES))
DELETE = register(RequestType(code="problem.delete", label=_("Deletion of a problem record"),
                              default_route=MEMBER_ROUTE,
                              apply=_apply_delete, on_returned=_on_member_returned, on_withdrawn=_on_member_withdrawn,
                              subjects=(MEMBER_SUBJECT,), excludes=MEMBER_TYPES))
CONFIRM = register(RequestType(code="problem.confirm", label=_("Confirmation of a problem record (household proof)"),
                               default_route=MEMBER_ROUTE,
                               apply=_apply_confirm, on_returned=_on_member_returned,
                               on_withdrawn=_on_member_withdrawn,
                               subjects=(MEMBER_SUBJECT,), excludes=MEMBER_TYPES))
# Filed by the authority whose approval completed the dispute (registrar, or leader if a route says so).
ARBITRATE = register(RequestType(code="problem.arbitrate", label=_("Arbitration of a duplicate ID number"),
                                 default_route=ARBITRATION_ROUTE,
                                 apply=_apply_arbitrate, on_returned=_on_member_returned,
                                 on_withdrawn=_on_arbitration_withdrawn, filer_roles=("registrar", "leader"),
                                 subjects=(SUBJECT,), excludes=("problem.arbitrate",), parties=_arbitration_parties,
                                 check_decision=_check_arbitration))


@transaction.atomic
def problem_arbitrate(*, actor, problem: Problem, keep_member_id: int, comment: str = "") -> Request:
    """The arbiter (the current step of the arbitration request) names the record that keeps the ID number and
    approves; on the last approval the others lose the ID and must change it."""
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if problem.status != ProblemStatus.ARBITRATION or problem.arbitration_request_id is None:
        raise Conflict("This problem is not under arbitration.", code="not_in_arbitration")
    request = Request.objects.select_for_update().get(pk=problem.arbitration_request_id)
    if request.status != RequestStatus.PENDING:
        raise Conflict("The arbitration request is not pending.", code="already_decided")
    current = current_step(request)
    if not may_decide(actor, current):
        raise Forbidden("This arbitration is not yours to decide.", code="not_your_step")
    _event(problem, "arbitration_choice", actor=actor, request=request, note=f"member {keep_member_id}")
    # The choice travels with the decision (checked by the type, stored on the action).
    return request_decide(actor=actor, request=request, approve=True, comment=comment, step_id=current.pk,
                          data={"keep_member": keep_member_id})

