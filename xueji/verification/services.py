"""Identity verification (公安身份核查): pupils' resident ID numbers and names checked against the population
register; what pages, the API and the commands start.

Two ways to talk to the register, both ending in `apply_results`:
- an adapter (`register.PopulationRegister.check(items) -> results`, register.py), chosen by the setting
  XUEJI_POPULATION_REGISTER; `verification_start` checks a scope through it in a job;
- the batch file exchange, which is how provinces really talk to the register: `verification_export_start`
  writes the file of pupils to check (files.py; audited, it holds ID numbers), the register answers with a file
  which `answers_import_start` applies in a job.

Results: verified (the ID exists and the name matches), id_not_found, name_mismatch. A pupil whose ID is not
found or whose name does not match gets an ID-error problem record; a verified pupil with no unresolved
problem gets the final number (G + ID) through `clearance.issue_cleared`, and pupils with no usable ID get a
J number in the same job (jobs.py runs them)."""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.db import transaction

from xueji.accounts.jurisdiction import org_in_jurisdiction
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.db import insert_rows
from xueji.core.errors import Conflict, NotFound, ValidationFailed
from xueji.jobs.models import Job
from xueji.jobs.services import job_start
from xueji.policy.services import province_code_of
from xueji.problems.choices import ProblemKind, ProblemStatus, Resolution
from xueji.problems.identity_check import identity_check_register
from xueji.problems.identity_keys import has_id_q
from xueji.problems.models import Problem, ProblemEvent, ProblemMember
from xueji.problems.records import record_problems
from xueji.regions.models import OrgUnit
from xueji.registry.models import Student, VerifyStatus
from xueji.registry.services import students_verify_apply
from xueji.verification.choices import BatchMode, BatchStatus, VerifyResult
from xueji.verification.files import store_upload
from xueji.verification.models import VerificationBatch, VerificationItem
from xueji.verification.register import (
    CheckItem,
    CheckResult,
    PopulationRegister,
    RegisterUnavailable,
    population_register,
)

logger = logging.getLogger(__name__)

CHUNK = 2000


# Applying results (set-based) --------------------------------------------------------------------------------

STATUS_OF = {VerifyResult.VERIFIED: VerifyStatus.VERIFIED, VerifyResult.ID_NOT_FOUND: VerifyStatus.NOT_FOUND,
             VerifyResult.NAME_MISMATCH: VerifyStatus.MISMATCH}
CHECKABLE = (VerifyStatus.UNVERIFIED, VerifyStatus.SENT)
RESULTS = frozenset(VerifyResult.values)


def apply_results(*, results: dict[int, str], actor, job: Job | None = None,
                  resolution: str = Resolution.CLEARED) -> dict:
    """Record the register's answers (record id -> VerifyResult) for records still awaiting a check: one UPDATE
    ... FROM of the states (it locks and re-checks the rows itself), ID-error problems filed in bulk for
    failures, earlier ID errors of verified records resolved. The caller holds the transaction."""
    eligible = dict(students_verify_apply(results=[(pk, STATUS_OF[result]) for pk, result in results.items()],
                                          only_from=CHECKABLE))
    by_result: dict[str, list[int]] = defaultdict(list)
    for pk, result in results.items():
        if pk in eligible:
            by_result[result].append(pk)
    failed_by_province: dict[str, dict[str, list[int]]] = defaultdict(dict)
    details: dict[str, dict] = {}
    for result in (VerifyResult.ID_NOT_FOUND, VerifyResult.NAME_MISMATCH):
        for pk in by_result.get(result, []):
            failed_by_province[eligible[pk]][f"s{pk}"] = [pk]
            details[f"s{pk}"] = {"reason": str(result)}
    new_problems = 0
    for province, groups in failed_by_province.items():
        new_problems += record_problems(kind=ProblemKind.ID_ERROR, province_code=province, groups=groups,
                                        details=details, source="verification", actor=actor, job=job)["new"]
    verified = by_result.get(VerifyResult.VERIFIED, [])
    resolved = _resolve_id_errors(verified, actor=actor, resolution=resolution) if verified else 0
    outcome = {"verified": len(verified), "id_not_found": len(by_result.get(VerifyResult.ID_NOT_FOUND, [])),
               "name_mismatch": len(by_result.get(VerifyResult.NAME_MISMATCH, [])),
               "skipped": len(results) - len(eligible), "problems_new": new_problems, "problems_resolved": resolved,
               "verified_ids": verified}
    audit_record(actor=actor, action="verification.apply", object_type="registry.student",
                 object_repr=f"{len(eligible)} verification results",
                 after={k: v for k, v in outcome.items() if k != "verified_ids"} | {"job": job.pk if job else None})
    return outcome


def _resolve_id_errors(student_ids: list[int], *, actor, resolution: str) -> int:
    """ID errors of records now verified no longer apply (e.g. corrected, or the register was updated)."""
    now = clock.now()
    problem_ids = list(ProblemMember.objects.filter(student_id__any_of=student_ids, problem__kind=ProblemKind.ID_ERROR,
                                                    problem__status=ProblemStatus.OPEN)
                       .values_list("problem_id", flat=True))
    if not problem_ids:
        return 0
    count = Problem.objects.filter(pk__in=problem_ids, status=ProblemStatus.OPEN).update(
        status=ProblemStatus.RESOLVED, resolution=resolution, resolved_at=now, updated_at=now)
    actor_obj = actor if getattr(actor, "pk", None) else None
    ProblemEvent.objects.bulk_create([ProblemEvent(problem_id=pk, kind="resolved", at=now, actor=actor_obj,
                                                   note=f"verified: {resolution}") for pk in problem_ids])
    return count


def verify_students(*, student_ids: Iterable[int], actor, batch: VerificationBatch | None = None,
                    register: PopulationRegister | None = None, job: Job | None = None,
                    resolution: str = Resolution.CLEARED, committing: Callable[[dict], None] | None = None,
                    rows: list[tuple[int, str, str]] | None = None) -> dict:
    """Check these records (those holding a resident ID and awaiting a check) through the adapter and apply the
    answers in one transaction (the register is asked before it opens); `committing(outcome)` runs last inside
    it (a run's counters commit with its chunk). `rows`: the records as (id, ID number, name) when the caller
    has just read them with the same conditions (a run's chunk). If the register is unavailable, they stay
    unverified for a later run."""
    if rows is None:
        rows = list(Student.objects.filter(has_id_q(), pk__any_of=list(student_ids), verify_status__in=CHECKABLE)
                    .values_list("pk", "id_number", "name"))
    if not rows:
        return {"checked": 0, "verified_ids": []}
    register = register or population_register()
    try:
        answers = register.check([CheckItem(str(pk), number, name) for pk, number, name in rows])
    except RegisterUnavailable as exc:
        logger.warning("population register unavailable: %s", exc)
        return {"checked": 0, "unavailable": True, "verified_ids": []}
    results = _results_by_record(rows, answers)
    with transaction.atomic():
        if batch is not None:
            now = clock.now()
            sent = {pk: (number, name) for pk, number, name in rows}
            insert_rows(VerificationItem, ["batch", "student", "id_number", "name", "result", "answered_at"],
                        [(batch.pk, pk, sent[pk][0], sent[pk][1], result, now) for pk, result in results.items()],
                        ignore_conflicts=True)
        outcome = apply_results(results=results, actor=actor, job=job, resolution=resolution)
        outcome["checked"] = len(results)
        if committing is not None:
            committing(outcome)
    return outcome


identity_check_register(verify_students)  # an approved problem-record correction verifies again


def _results_by_record(rows, answers: list[CheckResult]) -> dict[int, str]:
    sent = {str(pk) for pk, _n, _m in rows}
    results: dict[int, str] = {}
    for answer in answers:
        if answer.reference not in sent or answer.result not in RESULTS:
            raise ValueError(f"The register answered an unknown reference or result: {answer!r}")
        results[int(answer.reference)] = answer.result
    return results


# Starting runs and exports -----------------------------------------------------------------------------------

def _scope(actor, org_unit: OrgUnit | None) -> OrgUnit:
    require_cap(actor, Cap.VERIFY_RUN)
    scope = org_unit or actor.org_unit
    if not org_in_jurisdiction(actor, scope) or not scope.is_active:
        raise NotFound("organisation unit not found")
    if province_code_of(scope) is None:
        raise ValidationFailed("Verification runs within a province.", code="no_province")
    return scope


def verification_start(*, actor, org_unit: OrgUnit | None = None) -> Job:
    """Check the scope's unverified registered pupils through the adapter, file ID errors, issue final numbers
    (G for verified, J for pupils with no usable ID) to those cleared. A county or province registrar runs it
    for the jurisdiction (or a part of it), a school registrar for the school."""
    scope = _scope(actor, org_unit)
    return job_start(actor=actor, kind="registration.verify", title=f"身份核查：{scope.name}",
                     params={"org_unit": scope.pk})


def verification_export_start(*, actor, org_unit: OrgUnit | None = None) -> Job:
    """Write the file of the scope's pupils awaiting a check for the population register (audited)."""
    scope = _scope(actor, org_unit)
    return job_start(actor=actor, kind="registration.verify_export", title=f"身份核查导出：{scope.name}",
                     params={"org_unit": scope.pk})


def batch_file_open(*, actor, batch: VerificationBatch) -> Path:
    """The exported file of a batch, for those who run verification in its scope; every download is audited."""
    require_cap(actor, Cap.VERIFY_RUN)
    if not batch.file:
        raise NotFound("This batch has no exported file.", code="batch_file_missing")
    path = (Path(settings.MEDIA_ROOT) / batch.file).resolve()
    if not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve()) or not path.exists():
        raise NotFound("The exported file is missing.", code="batch_file_missing")
    audit_record(actor=actor, action="verification.download", obj=batch,
                 after={"batch": batch.pk, "rows": batch.total, "id_numbers": "full"})
    return path


# Importing the register's answers ----------------------------------------------------------------------------

def answers_import_start(*, actor, batch: VerificationBatch, upload) -> Job:
    """Store the register's answer file of a batch and apply it in a job (size limited, like every import)."""
    require_cap(actor, Cap.VERIFY_RUN)
    if batch.mode != BatchMode.FILE or batch.status not in (BatchStatus.SENT, BatchStatus.PARTLY):
        raise Conflict("This batch is not awaiting answers.", code="batch_not_waiting")
    path = store_upload(upload, folder=f"verification/{batch.pk}", province_code=batch.province_code)
    return job_start(actor=actor, kind="registration.verify_answers", title=f"身份核查结果导入：批次 {batch.pk}",
                     params={"batch": batch.pk, "file": str(path.relative_to(settings.MEDIA_ROOT))})


# Loading the local population register ----------------------------------------------------------------------

def register_load_start(*, actor, upload) -> Job:
    """The province registrar uploads the register file; a job loads it."""
    require_cap(actor, Cap.REGISTER_LOAD)
    province = province_code_of(actor.org_unit)
    path = store_upload(upload, folder="register", province_code=province)
    return job_start(actor=actor, kind="registration.register_load", title="加载人口信息库文件",
                     params={"file": str(path.relative_to(settings.MEDIA_ROOT))})
