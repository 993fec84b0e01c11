"""Recording problem records (问题学籍), idempotently and in bulk: the one writer of new problems, their members and
their history, used by verification, the scans and clearance (see problems.py for what happens to them)."""

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Q

from xueji.audit.services import audit_record
from xueji.core import clock, sealing
from xueji.core.db import insert_rows
from xueji.jobs.models import Job
from xueji.problems.choices import MemberState, ProblemKind, ProblemStatus, Resolution
from xueji.problems.identity_keys import holds_id, no_id_key
from xueji.problems.models import Problem, ProblemEvent, ProblemMember
from xueji.registry.models import Student
from xueji.workflow.models import Request

logger = logging.getLogger(__name__)

CHUNK = 1000


def problem_event(problem: Problem, kind: str, *, actor=None, member: ProblemMember | None = None,
           request: Request | None = None, note: str = "") -> ProblemEvent:
    return ProblemEvent.objects.create(problem=problem, kind=kind, actor=actor if getattr(actor, "pk", None) else None,
                                       member=member, request=request, note=note[:2000], at=clock.now())


def in_chunks(items: list, size: int = CHUNK):
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
    numbers: dict[str, str] = {}
    if kind == ProblemKind.DUPLICATE_ID:  # keyed by the shared number's blind index; the number is sealed beside
        numbers = {sealing.blind_index(number): number for number in groups}
        groups = {sealing.blind_index(number): ids for number, ids in groups.items()}
        details = {sealing.blind_index(number): detail for number, detail in details.items()}
    result = {"new": 0, "existing": 0, "members_added": 0, "by_county": Counter()}
    if not groups:
        return result
    at = clock.now()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    job_id = job.pk if job else None
    unresolved = ~Q(status=ProblemStatus.RESOLVED)
    for keys in in_chunks(sorted(groups)):
        unresolved_of = Problem.objects.filter(unresolved, kind=kind, province_code=province_code)
        existing = dict(unresolved_of.filter(key__in=keys).values_list("key", "pk"))
        new_keys = [key for key in keys if key not in existing]
        inserted = _insert_once(Problem, ["kind", "status", "resolution", "province_code", "key", "id_number",
                                          "detail", "source", "job", "created_at", "updated_at"],
                                [(kind, ProblemStatus.OPEN, "", province_code, key, numbers.get(key, ""),
                                  details.get(key, {}), source, job_id, at, at) for key in new_keys],
                                returning=("key", "id"))
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
        audit_record(actor=actor, action="problem.record", object_type="problems.problem",
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


def drop_confirmed_distinct(groups: dict[str, list[int]], province_code: str) -> dict[str, list[int]]:
    if not groups:
        return groups
    confirmed: dict[str, set[int]] = {}
    for keys in in_chunks(sorted(groups)):
        confirmed.update(_distinct_confirmed(keys, province_code))
    # A group stays a problem only if it holds a record not yet confirmed distinct (a newcomer).
    return {key: ids for key, ids in groups.items()
            if len(ids) >= 2 and any(sid not in confirmed.get(key, set()) for sid in ids)}


def problem_matches(problem: Problem, student: Student) -> bool:
    """Does the record still hold the key that makes it part of the problem?"""
    if problem.kind == ProblemKind.DUPLICATE_ID:
        return bool(student.id_number) and sealing.blind_index(student.id_number) == problem.key
    if problem.kind == ProblemKind.DUPLICATE_NO_ID:
        return not holds_id(student) and no_id_key(student.name, student.sex, student.birth_date) == problem.key
    return True


def problem_resolve(problem: Problem, resolution: str, actor, note: str = "", request: Request | None = None) -> None:
    now = clock.now()
    problem.status, problem.resolution, problem.resolved_at, problem.updated_at = (
        ProblemStatus.RESOLVED, resolution, now, now)
    problem.save(update_fields=["status", "resolution", "resolved_at", "updated_at"])
    problem_event(problem, "resolved", actor=actor, request=request, note=note or resolution)
    audit_record(actor=actor, action="problem.resolve", obj=problem,
                 after={"kind": problem.kind, "resolution": resolution})


def problem_members_follow(*, student_id: int, school_org, county_org, actor, request: Request | None = None,
                           note: str = "") -> int:
    """A pupil moved to another school (转学): its memberships of problems not yet resolved follow it, so the new
    school and county see and resolve them (a member keeps its school and county for the jurisdiction). One UPDATE,
    an event per problem, one audit row. Resolved problems keep the school they were resolved at."""
    members = list(ProblemMember.objects.select_for_update().filter(student_id=student_id)
                   .exclude(problem__status=ProblemStatus.RESOLVED).select_related("problem").order_by("pk"))
    if not members:
        return 0
    before = {m.pk: [m.school_org_id, m.county_org_id] for m in members}
    ProblemMember.objects.filter(pk__in=list(before)).update(school_org=school_org, county_org=county_org)
    now = clock.now()
    problems = {m.problem_id: m.problem for m in members}
    Problem.objects.filter(pk__in=list(problems)).update(updated_at=now)
    for member in members:
        problem_event(member.problem, "member_moved", actor=actor, member=member, request=request,
                      note=note or f"{member.student_name}")
    audit_record(actor=actor, action="problem.members_follow", object_type="problems.problemmember",
                 object_id=str(student_id), object_repr=members[0].student_name,
                 before={"members": before}, after={"school_org": school_org.pk, "county_org": county_org.pk,
                                                    "problems": sorted(problems),
                                                    "request": request.pk if request else None})
    return len(members)
