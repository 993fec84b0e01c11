"""Finding problem records: the duplicate check before numbers are issued, and the set-based duplicate and error
scans of a province or county (run as jobs)."""

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import connection, transaction

from xueji.accounts.jurisdiction import org_in_jurisdiction
from xueji.accounts.permissions import Cap, require_cap
from xueji.core import idnumbers, sealing
from xueji.core.db import analyze_changed
from xueji.core.errors import NotFound, ValidationFailed
from xueji.jobs.models import Job
from xueji.jobs.registry import job_handler
from xueji.jobs.services import job_start
from xueji.policy.services import province_code_of
from xueji.problems.choices import ACTIVE_MEMBER_STATES, MemberState, ProblemKind, ProblemStatus, Resolution
from xueji.problems.identity_keys import duplicate_id_numbers, no_id_key
from xueji.problems.models import Problem, ProblemMember
from xueji.problems.records import drop_confirmed_distinct, in_chunks, problem_matches, problem_resolve, record_problems
from xueji.regions.models import OrgUnit
from xueji.registry.models import RegStatus, Student, VerifyStatus
from xueji.workflow.models import RequestStatus

logger = logging.getLogger(__name__)

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
        groups = drop_confirmed_distinct(groups, province)
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
# The plain grouping of ID numbers held more than once: the number is sealed (core.sealing), so its blind index
# is grouped (equal numbers, equal indexes; the index on id_number_index serves it).
DUPLICATE_ID_SQL = ("SELECT id_number_index, COUNT(*) FROM {student} WHERE id_number_index IS NOT NULL "
                    "GROUP BY id_number_index HAVING COUNT(*) > 1")
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
    sql = (f"SELECT s.id_number, s.name, s.sex, s.birth_date, s.id, sc.org_unit_id, sc.county_id, o.path, "  # noqa: S608
           f"s.id_number_index "
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
    """The blind indexes of ID numbers held by more than one record, and how many: the plain GROUP BY."""
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


def duplicate_id_groups(*, province_code: str, scope_path: str | None = None, keys: list[str] | None = None,
                        indexes: list[str] | None = None) -> tuple[dict[str, list[int]], Records]:
    """Registered records of the province sharing an ID number. Without `keys`, one GROUP BY over the table finds
    the numbers held more than once; then only their records are read, through the id_number index. (Two
    statements on purpose: joined in one, PostgreSQL cannot foresee how few groups the HAVING keeps and plans
    a hash join over the whole table.)"""
    if indexes is None:  # the groups are keyed by the ID number; the records are found by its blind index
        indexes = list(duplicate_id_counts()) if keys is None else [sealing.blind_index(k) for k in keys if k]
    rows = [row for chunk in in_chunks(sorted(set(indexes) - {"", None}))
            for row in _member_rows(*_in("s.id_number_index", chunk), province_code=province_code)]
    # Grouped by the blind index (equal indexes, equal numbers); the number is opened once per group kept, not
    # once per record read: opening (SM4-GCM) is what the sealed scan pays beyond the plain one.
    groups, records = _group_rows(((r[8], r[4], r[1], r[5], r[6], r[7]) for r in rows), scope_path)
    sealed = {r[8]: r[0] for r in rows}
    aad = Student._meta.get_field("id_number").aad
    return {sealing.unseal(sealed[index], aad): ids for index, ids in groups.items()}, records


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
    for chunk in in_chunks(names):
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
                if member.student is None or not problem_matches(problem, member.student):
                    member.state = MemberState.DELETED if member.student is None else MemberState.CHANGED
                    member.save(update_fields=["state"])
            if problem.members.filter(state__in=ACTIVE_MEMBER_STATES).count() <= 1:
                problem_resolve(problem, Resolution.CLEARED, actor, note="scan: the records no longer share the key")
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
    id_counts = duplicate_id_counts()  # by blind index, as the problems' keys (records.record_problems)
    id_unresolved = _unresolved(ProblemKind.DUPLICATE_ID, province_code, scope.path)
    id_keys, id_settled = _needing_work(id_counts, id_unresolved)
    id_groups, id_records = duplicate_id_groups(province_code=province_code, scope_path=scope.path,
                                                indexes=id_keys)
    progress(40, f"{len(id_counts)} shared ID numbers ({len(id_keys)} to read); grouping records without ID")
    no_id_counts = duplicate_no_id_counts()
    no_id_unresolved = _unresolved(ProblemKind.DUPLICATE_NO_ID, province_code, scope.path)
    no_id_keys, no_id_settled = _needing_work(no_id_counts, no_id_unresolved)
    no_id, no_id_records = duplicate_no_id_groups(province_code=province_code, scope_path=scope.path,
                                                  keys=no_id_keys)
    no_id = drop_confirmed_distinct(no_id, province_code)
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

def _id_errors(*, province_code: str, scope_path: str) -> list[tuple[int, str, str | None]]:
    """(record id, verification state, code) of the scope's registered pupils the scan concerns: a failed
    verification, or a resident ID number that contradicts itself or the record. One statement: the ID rule's
    SQL form (core.idnumbers.error_code_sql) decides in the database; the few numbers it leaves to Python
    (characters `normalise` may change) are decided here, by the Python form."""
    if sealing.enabled():
        return _id_errors_sealed(province_code=province_code, scope_path=scope_path)
    t = _tables()
    rule = idnumbers.error_code_sql("s.id_number", "s.birth_date", "s.sex", vendor=connection.vendor)
    has_id = "s.id_type = '1' AND s.id_number IS NOT NULL AND s.id_number <> ''"
    sql = (f"SELECT s.id, s.verify_status, CASE WHEN {has_id} THEN {rule} END, "  # noqa: S608 - fixed SQL
           f"s.id_number, s.birth_date, s.sex FROM {t['student']} s JOIN {t['school']} sc ON sc.id = s.school_id "
           f"JOIN {t['org']} o ON o.id = sc.org_unit_id "
           f"WHERE s.province_code = %s AND s.reg_status = %s AND o.path LIKE %s "
           f"AND (s.verify_status IN (%s, %s) OR ({has_id} AND {rule} IS NOT NULL))")  # sorted here: an ORDER BY
    # turns the plan into an index scan whose (misjudged) cost sets off seconds of JIT compilation
    # Paths are digits and slashes: nothing to escape for LIKE.
    params = [province_code, RegStatus.REGISTERED, scope_path + "%", VerifyStatus.NOT_FOUND, VerifyStatus.MISMATCH]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    for pk, status, code, number, birth, sex in sorted(rows):
        if code == idnumbers.RECHECK:
            code = idnumbers.error_code(number, _as_date(birth) if birth else None, sex)
        found.append((pk, status, code))
    return found


def _id_errors_sealed(*, province_code: str, scope_path: str) -> list[tuple[int, str, str | None]]:
    """_id_errors when the ID number is sealed: the database cannot read it, so the scope's registered pupils
    holding one are read (in batches, through a server-side cursor) and the ID rule decides in Python."""
    t = _tables()
    aad = Student._meta.get_field("id_number").aad
    sql = (f"SELECT s.id, s.verify_status, s.id_type, s.id_number, s.birth_date, s.sex "  # noqa: S608 - fixed SQL
           f"FROM {t['student']} s JOIN {t['school']} sc ON sc.id = s.school_id "
           f"JOIN {t['org']} o ON o.id = sc.org_unit_id "
           f"WHERE s.province_code = %s AND s.reg_status = %s AND o.path LIKE %s "
           f"AND (s.verify_status IN (%s, %s) OR (s.id_type = '1' AND s.id_number IS NOT NULL "
           f"AND s.id_number <> ''))")
    params = [province_code, RegStatus.REGISTERED, scope_path + "%", VerifyStatus.NOT_FOUND, VerifyStatus.MISMATCH]
    failed = (VerifyStatus.NOT_FOUND, VerifyStatus.MISMATCH)
    found = []
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(5000):
            for pk, status, id_type, stored, birth, sex in rows:
                code = None
                if id_type == "1" and stored:
                    code = idnumbers.error_code(sealing.unseal(stored, aad), _as_date(birth) if birth else None, sex)
                if code or status in failed:
                    found.append((pk, status, code))
    return sorted(found)


def error_scan(*, province_code: str, scope: OrgUnit, actor, job: Job | None = None, progress=None) -> dict:
    """ID errors of the scope's registered records: verification answers without an unresolved problem, and
    resident ID numbers that contradict themselves (length, check character) or the record (birth date, sex).
    Set-based: one statement finds them all (the ID rule in SQL), then the problems are filed in bulk."""
    progress = progress or (lambda pct, message: None)
    found = _id_errors(province_code=province_code, scope_path=scope.path)
    groups: dict[str, list[int]] = {}
    details: dict[str, dict] = {}
    reasons = Counter()
    for pk, status, _code in found:
        if status in (VerifyStatus.NOT_FOUND, VerifyStatus.MISMATCH):
            reason = "id_not_found" if status == VerifyStatus.NOT_FOUND else "name_mismatch"
            groups[f"s{pk}"], details[f"s{pk}"] = [pk], {"reason": reason}
            reasons[reason] += 1
    progress(20, f"{len(groups)} failed verifications")
    for pk, _status, code in found:
        if code and f"s{pk}" not in groups:
            groups[f"s{pk}"], details[f"s{pk}"] = [pk], {"reason": code}
            reasons[code] += 1
    progress(80, f"ID numbers checked: {len(groups) - reasons['id_not_found'] - reasons['name_mismatch']} wrong")
    with transaction.atomic():
        result = record_problems(kind=ProblemKind.ID_ERROR, province_code=province_code, groups=groups,
                                 details=details, source="scan", actor=actor, job=job)
    analyze_changed({Problem: result["new"], ProblemMember: result["new"] + result["members_added"]})
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

