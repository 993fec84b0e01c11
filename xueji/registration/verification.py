"""Identity verification (公安身份核查): pupils' resident ID numbers and names checked against the population
register.

Two ways to talk to the register, both ending in `apply_results`:
- an adapter (`PopulationRegister.check(items) -> results`), chosen by the setting XUEJI_POPULATION_REGISTER.
  The default, `LocalPopulationRegister`, checks against a table loaded from a file
  (`manage.py load_population_register FILE`); it serves the demo and the tests. A province wiring a real
  service writes an adapter class with the same `check` method;
- the batch file exchange, which is how provinces really talk to the register: an export job writes the file of
  pupils to check (CSV: reference, id_number, name; audited, it holds ID numbers), the register answers with a
  file (CSV: reference, id_number, result code) which an import job applies.

Results: verified (the ID exists and the name matches), id_not_found, name_mismatch. A pupil whose ID is not
found or whose name does not match gets an ID-error problem record; a verified pupil with no unresolved
problem gets the final number (G + ID) through `clearance.issue_cleared`, and pupils with no usable ID get a
J number in the same job.
"""

import csv
import datetime as dt
import io
import logging
import unicodedata
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from xueji.accounts.jurisdiction import org_in_jurisdiction
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import clock, idnumbers
from xueji.core.errors import Conflict, NotFound, ValidationFailed
from xueji.core.files import detect_encoding
from xueji.core.spreadsheets import csv_writer
from xueji.jobs.models import Job
from xueji.jobs.registry import job_handler
from xueji.jobs.services import job_start
from xueji.policy.services import province_code_of, setting_get
from xueji.problems.choices import ProblemKind, ProblemStatus, Resolution
from xueji.problems.clearance import cleared_candidates_q, issue_cleared
from xueji.problems.identity_check import identity_check_register
from xueji.problems.identity_keys import has_id_q
from xueji.problems.models import Problem, ProblemEvent, ProblemMember
from xueji.problems.records import record_problems
from xueji.regions.models import OrgUnit
from xueji.registration.models import (
    BatchMode,
    BatchStatus,
    RegisterEntry,
    VerificationBatch,
    VerificationItem,
    VerifyResult,
)
from xueji.registry.models import RegStatus, Student, VerifyStatus
from xueji.registry.services import student_verify_set

logger = logging.getLogger(__name__)

DEFAULT_REGISTER = "xueji.registration.verification.LocalPopulationRegister"
CHUNK = 2000


# The adapter interface ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckItem:
    reference: str  # the 学籍 internal reference, returned unchanged with the result
    id_number: str
    name: str


@dataclass(frozen=True)
class CheckResult:
    reference: str
    result: str  # a VerifyResult value


class RegisterUnavailable(Exception):
    """The register cannot answer now; the pupils stay unverified and are checked by a later run."""


@runtime_checkable
class PopulationRegister(Protocol):
    def check(self, items: list[CheckItem]) -> list[CheckResult]:
        """One result per item (any order), for at most a few thousand items per call."""
        ...


def same_name(a: str, b: str) -> bool:
    """Names compare after Unicode normalisation, without spaces, with every middle-dot variant (·•‧・．.) the
    same: minority names are written 阿卜杜·热合曼 with whichever dot a clerk's input method gave."""
    def norm(value: str) -> str:
        value = unicodedata.normalize("NFKC", value or "")
        for dot in "•‧・．.·":
            value = value.replace(dot, "·")
        return "".join(value.split())

    return norm(a) == norm(b)


class LocalPopulationRegister:
    """The population register as a local table (RegisterEntry): used by the demo and the tests."""

    def check(self, items: list[CheckItem]) -> list[CheckResult]:
        numbers = {idnumbers.normalise(item.id_number) for item in items}
        names = dict(RegisterEntry.objects.filter(id_number__in=numbers).values_list("id_number", "name"))
        results = []
        for item in items:
            name = names.get(idnumbers.normalise(item.id_number))
            if name is None:
                results.append(CheckResult(item.reference, VerifyResult.ID_NOT_FOUND))
            elif same_name(name, item.name):
                results.append(CheckResult(item.reference, VerifyResult.VERIFIED))
            else:
                results.append(CheckResult(item.reference, VerifyResult.NAME_MISMATCH))
        return results


def population_register() -> PopulationRegister:
    """The adapter named by XUEJI_POPULATION_REGISTER (the local register by default)."""
    return import_string(getattr(settings, "XUEJI_POPULATION_REGISTER", DEFAULT_REGISTER))()


# Applying results (set-based) --------------------------------------------------------------------------------

STATUS_OF = {VerifyResult.VERIFIED: VerifyStatus.VERIFIED, VerifyResult.ID_NOT_FOUND: VerifyStatus.NOT_FOUND,
             VerifyResult.NAME_MISMATCH: VerifyStatus.MISMATCH}
CHECKABLE = (VerifyStatus.UNVERIFIED, VerifyStatus.SENT)


def apply_results(*, results: dict[int, str], actor, job: Job | None = None,
                  resolution: str = Resolution.CLEARED) -> dict:
    """Record the register's answers (record id -> VerifyResult) for records still awaiting a check: one UPDATE
    per result, ID-error problems filed in bulk for failures, earlier ID errors of verified records resolved.
    The caller holds the transaction."""
    eligible = {pk: province for pk, province in Student.objects.select_for_update().filter(
        pk__in=list(results), verify_status__in=CHECKABLE).values_list("pk", "province_code")}
    by_result: dict[str, list[int]] = defaultdict(list)
    for pk, result in results.items():
        if pk in eligible:
            by_result[result].append(pk)
    for result, ids in by_result.items():
        student_verify_set(student_ids=ids, status=STATUS_OF[result])
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
    problem_ids = list(ProblemMember.objects.filter(student_id__in=student_ids, problem__kind=ProblemKind.ID_ERROR,
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
                    resolution: str = Resolution.CLEARED) -> dict:
    """Check these records (those holding a resident ID and awaiting a check) through the adapter and apply the
    answers. If the register is unavailable, they stay unverified for a later run."""
    rows = list(Student.objects.filter(has_id_q(), pk__in=list(student_ids), verify_status__in=CHECKABLE)
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
            VerificationItem.objects.bulk_create(
                [VerificationItem(batch=batch, student_id=pk, id_number=sent[pk][0], name=sent[pk][1],
                                  result=result, answered_at=now) for pk, result in results.items()],
                batch_size=CHUNK, ignore_conflicts=True)
        outcome = apply_results(results=results, actor=actor, job=job, resolution=resolution)
    outcome["checked"] = len(results)
    return outcome


identity_check_register(verify_students)  # an approved problem-record correction verifies again


def _results_by_record(rows, answers: list[CheckResult]) -> dict[int, str]:
    sent = {str(pk) for pk, _n, _m in rows}
    results: dict[int, str] = {}
    for answer in answers:
        if answer.reference not in sent or answer.result not in VerifyResult.values:
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


def _scope_students(scope: OrgUnit):
    return Student.objects.filter(school__org_unit__path__startswith=scope.path, reg_status=RegStatus.REGISTERED)


def _keyset(qs, size: int = CHUNK, fields: tuple[str, ...] = ("pk",)) -> Iterator[list]:
    """Walk a queryset in primary-key order, one chunk at a time (the set may change while it is walked)."""
    last = 0
    while True:
        chunk = list(qs.filter(pk__gt=last).order_by("pk").values_list(*fields)[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0] if isinstance(chunk[-1], tuple) else chunk[-1]


def issue_scope_numbers(*, scope: OrgUnit, actor, job: Job | None = None, progress=None) -> Counter:
    """Final numbers for every cleared pupil of the scope, chunk by chunk (each chunk its own transaction)."""
    totals: Counter = Counter()
    candidates = _scope_students(scope).filter(cleared_candidates_q())
    for chunk in _keyset(candidates, fields=("pk",)):
        outcome = issue_cleared(student_ids=[row[0] for row in chunk], actor=actor, job=job)
        totals.update({k: (len(v) if isinstance(v, list) else v) for k, v in outcome.items()})
        if progress:
            progress(f"numbers: G {totals['G']}, J {totals['J']}")
    return totals


@job_handler("registration.verify")
def verify_job(ctx) -> dict:
    actor = ctx.job.created_by
    scope = OrgUnit.objects.get(pk=ctx.params["org_unit"])
    batch = VerificationBatch.objects.create(org_unit=scope, province_code=province_code_of(scope) or "",
                                             mode=BatchMode.ADAPTER, job=ctx.job, created_by=actor,
                                             created_at=clock.now())
    register = population_register()
    to_check = _scope_students(scope).filter(has_id_q(), verify_status__in=CHECKABLE)
    total = to_check.count()
    VerificationBatch.objects.filter(pk=batch.pk).update(total=total)
    counts: Counter = Counter()
    done = 0
    for chunk in _keyset(to_check):
        outcome = verify_students(student_ids=[row[0] for row in chunk], actor=actor, batch=batch,
                                  register=register, job=ctx.job)
        done += len(chunk)
        counts.update({k: v for k, v in outcome.items() if isinstance(v, int) and not isinstance(v, bool)})
        if outcome.get("unavailable"):
            raise RegisterUnavailable("The population register did not answer; nothing more was checked.")
        ctx.progress(80 * done // max(total, 1), f"checked {done}/{total}")
    numbers = issue_scope_numbers(scope=scope, actor=actor, job=ctx.job,
                                  progress=lambda message: ctx.progress(90, message))
    result = {"batch": batch.pk, "checked": counts["checked"], "verified": counts["verified"],
              "id_not_found": counts["id_not_found"], "name_mismatch": counts["name_mismatch"],
              "problems_new": counts["problems_new"], "problems_resolved": counts["problems_resolved"],
              "numbers": dict(numbers)}
    VerificationBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.DONE, answered=counts["checked"], finished_at=clock.now(),
        counts={k: result[k] for k in ("verified", "id_not_found", "name_mismatch")})
    ctx.progress(100, f"verified {result['verified']}, not found {result['id_not_found']}, "
                      f"mismatch {result['name_mismatch']}; G {numbers['G']}, J {numbers['J']}")
    return result


EXPORT_HEADER = ["reference", "id_number", "name"]
EXPORT_NAME = "verification-{batch}.csv"
ANSWER_HEADER = ["reference", "id_number", "result"]
# Result codes of the answer file (the register's own codes): 1 verified, 2 ID not found, 3 name mismatch.
ANSWER_CODES = {"1": VerifyResult.VERIFIED, "2": VerifyResult.ID_NOT_FOUND, "3": VerifyResult.NAME_MISMATCH,
                "verified": VerifyResult.VERIFIED, "id_not_found": VerifyResult.ID_NOT_FOUND,
                "name_mismatch": VerifyResult.NAME_MISMATCH, "一致": VerifyResult.VERIFIED,
                "号码不存在": VerifyResult.ID_NOT_FOUND, "姓名不一致": VerifyResult.NAME_MISMATCH}


@job_handler("registration.verify_export")
def verify_export_job(ctx) -> dict:
    """The file for the population register: one row per pupil awaiting a check. The pupils are marked as sent;
    the batch remembers what was sent, so the answers are applied only to records that did not change since."""
    actor = ctx.job.created_by
    scope = OrgUnit.objects.get(pk=ctx.params["org_unit"])
    batch = VerificationBatch.objects.create(org_unit=scope, province_code=province_code_of(scope) or "",
                                             mode=BatchMode.FILE, job=ctx.job, created_by=actor,
                                             created_at=clock.now())
    to_send = _scope_students(scope).filter(has_id_q(), verify_status__in=CHECKABLE)
    total = to_send.count()
    # Not the job's result file (which anyone who may see jobs can download): it holds full ID numbers.
    relative = f"verification/{batch.pk}/{EXPORT_NAME.format(batch=batch.pk)}"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv_writer(fh)
        writer.writerow(EXPORT_HEADER)
        for chunk in _keyset(to_send, fields=("pk", "id_number", "name")):
            with transaction.atomic():
                VerificationItem.objects.bulk_create(
                    [VerificationItem(batch=batch, student_id=pk, id_number=number, name=name)
                     for pk, number, name in chunk], batch_size=CHUNK)
                student_verify_set(student_ids=[row[0] for row in chunk], status=VerifyStatus.SENT,
                                   only_from=[VerifyStatus.UNVERIFIED])
            writer.writerows([f"{batch.pk}-{pk}", number, name] for pk, number, name in chunk)
            rows += len(chunk)
            ctx.progress(95 * rows // max(total, 1), f"{rows}/{total}")
    VerificationBatch.objects.filter(pk=batch.pk).update(total=rows, status=BatchStatus.SENT, file=relative)
    audit_record(actor=actor, action="verification.export", object_type="registration.verificationbatch",
                 object_id=str(batch.pk), object_repr=f"{rows} pupils for the population register",
                 after={"batch": batch.pk, "rows": rows, "scope": scope.pk, "id_numbers": "full"})
    ctx.progress(100, f"exported {rows} pupils (batch {batch.pk})")
    return {"batch": batch.pk, "rows": rows}


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


def store_upload(upload, *, folder: str, province_code: str | None) -> Path:
    """Write an uploaded CSV under MEDIA_ROOT, enforcing the province's import size limit while writing."""
    limit = int(setting_get(province_code=province_code, key="import.max_bytes"))
    name = Path(getattr(upload, "name", "") or "file.csv").name
    if Path(name).suffix.lower() not in (".csv", ".txt"):
        raise ValidationFailed(f"{name}: a CSV file is expected.", code="unsupported_type", field="file")
    if (upload.size or 0) > limit:
        raise ValidationFailed(f"{name}: {upload.size / 1048576:.1f} MB is over the {limit / 1048576:.0f} MB limit.",
                               code="file_too_large", field="file")
    target = Path(settings.MEDIA_ROOT) / folder / f"{uuid.uuid4().hex}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with target.open("wb") as fh:
        for chunk in upload.chunks():
            written += len(chunk)
            if written > limit:
                fh.close()
                target.unlink(missing_ok=True)
                raise ValidationFailed(f"{name} is over the size limit.", code="file_too_large", field="file")
            fh.write(chunk)
    return target


def open_text(path: Path) -> io.TextIOWrapper:
    """A CSV file as text, in the encoding core.files finds (UTF-8 with or without BOM, UTF-16, else GB18030:
    how Excel saves CSV on Chinese Windows)."""
    return io.TextIOWrapper(path.open("rb"), encoding=detect_encoding(path, path.name), newline="")


def _answer_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    with open_text(path) as fh:
        for line, row in enumerate(csv.reader(fh), start=1):
            if not row or not any(cell.strip() for cell in row):
                continue
            if line == 1 and row[0].strip().lower().lstrip("\ufeff") in ("reference", "学籍参考号", "参考号"):
                continue
            yield line, [cell.strip() for cell in row]


@job_handler("registration.verify_answers")
def verify_answers_job(ctx) -> dict:
    actor = ctx.job.created_by
    batch = VerificationBatch.objects.get(pk=ctx.params["batch"])
    path = (Path(settings.MEDIA_ROOT) / ctx.params["file"]).resolve()
    if not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve()):
        raise ValueError("answer file outside the media root")
    errors: list[tuple[int, str, str]] = []
    counts: Counter = Counter()
    numbers: Counter = Counter()

    def flush(rows: list[tuple[int, str, int, str, str]]) -> None:
        ids = [sid for _l, _r, sid, _n, _c in rows]
        items = {i.student_id: i for i in VerificationItem.objects.filter(batch=batch, student_id__in=ids)}
        current = {pk: (number, name) for pk, number, name in Student.objects.filter(pk__in=ids).values_list(
            "pk", "id_number", "name")}
        results: dict[int, str] = {}
        answered: list[VerificationItem] = []
        now = clock.now()
        for line, reference, sid, number, code in rows:
            item = items.get(sid)
            if item is None:
                errors.append((line, reference, "该参考号不在本批次中 (reference not in this batch)"))
                continue
            if idnumbers.normalise(number) != idnumbers.normalise(item.id_number):
                errors.append((line, reference, "身份证件号与导出时不同 (ID number differs from the one sent)"))
                continue
            result = ANSWER_CODES.get(code.lower() if code.isascii() else code)
            if result is None:
                errors.append((line, reference, f"未知的核查结果代码 {code!r} (unknown result code)"))
                continue
            if item.result:
                counts["already_answered"] += 1
                continue
            item.result, item.answered_at = result, now
            answered.append(item)
            if current.get(sid) != (item.id_number, item.name):
                counts["stale"] += 1  # the record changed (or went) since export: a later run checks it again
                continue
            results[sid] = result
        with transaction.atomic():
            VerificationItem.objects.bulk_update(answered, ["result", "answered_at"], batch_size=CHUNK)
            outcome = apply_results(results=results, actor=actor, job=ctx.job) if results else {}
        counts["answered"] += len(answered)
        for key in ("verified", "id_not_found", "name_mismatch", "problems_new", "problems_resolved", "skipped"):
            counts[key] += outcome.get(key, 0)
        if outcome.get("verified_ids"):
            issued = issue_cleared(student_ids=outcome["verified_ids"], actor=actor, job=ctx.job)
            numbers.update({k: (len(v) if isinstance(v, list) else v) for k, v in issued.items()})

    pending: list[tuple[int, str, int, str, str]] = []
    for line, row in _answer_rows(path):
        counts["rows"] += 1
        if len(row) < 3:
            errors.append((line, row[0] if row else "", "缺少列：参考号、身份证件号、核查结果 (missing columns)"))
            continue
        reference, number, code = row[0], row[1], row[2]
        batch_part, _, student_part = reference.partition("-")
        if not (batch_part.isdigit() and student_part.isdigit()) or int(batch_part) != batch.pk:
            errors.append((line, reference, "参考号格式不对或不属于本批次 (bad reference)"))
            continue
        pending.append((line, reference, int(student_part), number, code))
        if len(pending) >= CHUNK:
            flush(pending)
            pending = []
            ctx.progress(90 * counts["answered"] // max(batch.total, 1), f"{counts['rows']} rows read")
    if pending:
        flush(pending)
    answered_total = VerificationItem.objects.filter(batch=batch).exclude(result="").count()
    status = BatchStatus.DONE if answered_total >= batch.total else BatchStatus.PARTLY
    batch_counts = dict(Counter(VerificationItem.objects.filter(batch=batch).exclude(result="")
                                .values_list("result", flat=True)))
    VerificationBatch.objects.filter(pk=batch.pk).update(answered=answered_total, status=status, counts=batch_counts,
                                                         finished_at=clock.now() if status == BatchStatus.DONE
                                                         else None)
    if errors:
        with ctx.result_path(f"answers-{batch.pk}-errors.csv").open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv_writer(fh)
            writer.writerow(["行号", "参考号", "原因"])
            writer.writerows(errors)
    result = dict(counts) | {"errors": len(errors), "error_sample": [list(e) for e in errors[:20]],
                             "batch_status": status, "numbers": dict(numbers)}
    audit_record(actor=actor, action="verification.import", object_type="registration.verificationbatch",
                 object_id=str(batch.pk), object_repr=f"answers of batch {batch.pk}",
                 after={k: v for k, v in result.items() if k != "error_sample"})
    ctx.progress(100, f"{counts['answered']} answers applied, {len(errors)} rows refused")
    return result


# Loading the local population register -----------------------------------------------------------------------

REGISTER_COLUMNS = {"id_number": ("id_number", "身份证件号", "身份证号", "公民身份号码"), "name": ("name", "姓名"),
                    "sex": ("sex", "性别"), "birth_date": ("birth_date", "出生日期")}
SEX_WORDS = {"男": "1", "女": "2", "1": "1", "2": "2", "0": "0", "9": "9", "m": "1", "f": "2"}


def _parse_day(value: str) -> dt.date | None:
    value = value.strip().replace("/", "-")
    if not value:
        return None
    if len(value) == 8 and value.isdigit():
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return dt.date.fromisoformat(value)


def register_load(*, path: Path, actor=None, chunk_size: int = 5000) -> dict:
    """Upsert the population register from a CSV file (id_number,name[,sex,birth_date]; a header row is optional;
    UTF-8 or GB18030). Set-based (INSERT ... ON CONFLICT DO UPDATE per chunk), memory bounded, idempotent."""
    columns = ["id_number", "name", "sex", "birth_date"]
    counts = Counter()
    errors: list[str] = []
    now = clock.now()
    pending: dict[str, RegisterEntry] = {}

    def flush() -> None:
        RegisterEntry.objects.bulk_create(list(pending.values()), update_conflicts=True, unique_fields=["id_number"],
                                          update_fields=["name", "sex", "birth_date", "loaded_at"],
                                          batch_size=chunk_size)
        counts["loaded"] += len(pending)
        pending.clear()

    with open_text(path) as fh:
        for line, row in enumerate(csv.reader(fh), start=1):
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if line == 1 and not any(ch.isdigit() for ch in cells[0]):
                lowered = [c.lower().lstrip("\ufeff") for c in cells]
                columns = []
                for cell in lowered:
                    columns.append(next((key for key, names in REGISTER_COLUMNS.items() if cell in names), cell))
                if "id_number" not in columns or "name" not in columns:
                    raise ValidationFailed("The header must name the id_number and name columns.",
                                           code="missing_columns")
                continue
            values = dict(zip(columns, cells, strict=False))
            number = idnumbers.normalise(values.get("id_number", ""))
            name = values.get("name", "")
            try:
                if not number or len(number) > 18 or not name or len(name) > 64:
                    raise ValueError("an ID number (18 characters at most) and a name are required")
                sex = SEX_WORDS.get((values.get("sex") or "").lower(), "") if values.get("sex") else ""
                birth = _parse_day(values.get("birth_date") or "")
                if (not sex or birth is None) and idnumbers.is_valid(number):
                    parsed = idnumbers.parse(number)
                    sex, birth = sex or parsed.sex, birth or parsed.birth_date
            except ValueError as exc:
                counts["refused"] += 1
                if len(errors) < 50:
                    errors.append(f"line {line}: {exc}")
                continue
            pending[number] = RegisterEntry(id_number=number, name=name, sex=sex, birth_date=birth, loaded_at=now)
            if len(pending) >= chunk_size:
                flush()
    if pending:
        flush()
    result = {"loaded": counts["loaded"], "refused": counts["refused"], "errors": errors,
              "total": RegisterEntry.objects.count()}
    audit_record(actor=actor, action="verification.register_load", object_type="registration.registerentry",
                 object_repr=f"{counts['loaded']} register entries", username="manage.py" if actor is None else "",
                 after={k: v for k, v in result.items() if k != "errors"} | {"file": path.name})
    return result


def register_load_start(*, actor, upload) -> Job:
    """The province registrar uploads the register file; a job loads it."""
    require_cap(actor, Cap.REGISTER_LOAD)
    province = province_code_of(actor.org_unit)
    path = store_upload(upload, folder="register", province_code=province)
    return job_start(actor=actor, kind="registration.register_load", title="加载人口信息库文件",
                     params={"file": str(path.relative_to(settings.MEDIA_ROOT))})


@job_handler("registration.register_load")
def register_load_job(ctx) -> dict:
    path = (Path(settings.MEDIA_ROOT) / ctx.params["file"]).resolve()
    if not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve()):
        raise ValueError("register file outside the media root")
    result = register_load(path=path, actor=ctx.job.created_by)
    ctx.progress(100, f"loaded {result['loaded']}, refused {result['refused']}")
    return result


def register_fill_from_students(*, omit: int = 0, rename: int = 0, actor=None, chunk_size: int = 5000) -> dict:
    """For a demo: fill the local register from the registered pupils holding a resident ID, leaving out `omit`
    of them (their check answers "ID not found") and giving `rename` of them another name ("name mismatch").
    The planted pupils are taken among those still to be checked, spread evenly (every k-th pupil), so the
    next verification run flags them; returns their record ids."""
    qs = Student.objects.filter(has_id_q(), reg_status=RegStatus.REGISTERED)
    total = qs.count()
    wanted = omit + rename
    to_check = list(qs.exclude(verify_status__in=[VerifyStatus.VERIFIED, VerifyStatus.PROOF])
                    .order_by("pk").values_list("pk", flat=True))
    pool = to_check if len(to_check) >= wanted else list(qs.order_by("pk").values_list("pk", flat=True))
    step = max(1, len(pool) // max(wanted, 1))
    chosen = [pool[i] for i in range(step // 2, len(pool), step)][:wanted] if wanted else []
    planted = {"omitted": chosen[:omit], "renamed": chosen[omit:]}
    omitted, renamed = set(planted["omitted"]), set(planted["renamed"])
    now = clock.now()
    pending: list[RegisterEntry] = []

    def flush() -> None:
        RegisterEntry.objects.bulk_create(pending, update_conflicts=True, unique_fields=["id_number"],
                                          update_fields=["name", "sex", "birth_date", "loaded_at"])
        pending.clear()

    for pk, number, name, sex, birth in qs.order_by("pk").values_list(
            "pk", "id_number", "name", "sex", "birth_date").iterator(chunk_size=5000):
        if pk in omitted:
            continue
        if pk in renamed:
            name = ("王" if not name.startswith("王") else "李") + name[1:]
        pending.append(RegisterEntry(id_number=number, name=name, sex=sex, birth_date=birth, loaded_at=now))
        if len(pending) >= chunk_size:
            flush()
    if pending:
        flush()
    RegisterEntry.objects.filter(id_number__in=Student.objects.filter(pk__in=planted["omitted"])
                                 .values("id_number")).delete()
    audit_record(actor=actor, action="verification.register_fill", object_type="registration.registerentry",
                 object_repr="register filled from pupils", username="manage.py" if actor is None else "",
                 after={"pupils": total, "omitted": len(planted["omitted"]), "renamed": len(planted["renamed"])})
    return {"pupils": total, **planted}


__all__ = ["CheckItem", "CheckResult", "LocalPopulationRegister", "PopulationRegister", "RegisterUnavailable",
           "population_register", "verification_start", "verification_export_start", "answers_import_start",
           "register_load", "register_load_start", "register_fill_from_students", "verify_students", "apply_results"]
