"""The jobs of identity verification (django-tasks through xueji.jobs): a run through the register adapter, the
export of the register's file, the import of its answers, and the loading of the local register.

The services start them (services.py); each walks its pupils chunk by chunk, each chunk its own transaction, so
a run over a province keeps memory and locks bounded. The job kinds keep the names they had when verification
was part of registration (`registration.verify` ...): the jobs already stored name them, and a rerun finds its
handler by that name."""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from xueji.audit.services import audit_record
from xueji.core import clock, idnumbers
from xueji.core.db import analyze_changed, insert_rows, update_rows
from xueji.core.spreadsheets import csv_writer
from xueji.jobs.models import Job
from xueji.jobs.registry import job_handler
from xueji.policy.services import province_code_of
from xueji.problems.clearance import cleared_candidates_q, issue_cleared
from xueji.problems.identity_keys import has_id_q
from xueji.problems.models import Problem, ProblemMember
from xueji.regions.models import OrgUnit
from xueji.registry.models import NationalNumber, RegStatus, Student, VerifyStatus
from xueji.registry.services import student_verify_set
from xueji.verification.choices import BatchMode, BatchStatus
from xueji.verification.files import ANSWER_CODES, EXPORT_HEADER, EXPORT_NAME, answer_rows
from xueji.verification.models import VerificationBatch, VerificationItem
from xueji.verification.register import RegisterUnavailable, population_register, register_load
from xueji.verification.services import CHECKABLE, CHUNK, apply_results, verify_students

# A run through the register adapter -------------------------------------------------------------------------

def _scope_students(scope: OrgUnit):
    return Student.objects.filter(school__org_unit__path__startswith=scope.path, reg_status=RegStatus.REGISTERED)


def _keyset(qs, size: int | None = None, fields: tuple[str, ...] = ("pk",)) -> Iterator[list]:
    """Walk a queryset in primary-key order, one chunk at a time (the set may change while it is walked)."""
    size = size or CHUNK
    last = 0
    while True:
        chunk = list(qs.filter(pk__gt=last).order_by("pk").values_list(*fields)[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0] if isinstance(chunk[-1], tuple) else chunk[-1]


def issue_scope_numbers(*, scope: OrgUnit, actor, job: Job | None = None, progress=None) -> Counter:
    """Final numbers for every cleared pupil of the scope, chunk by chunk (each chunk its own transaction, so a
    crash loses at most the chunk in flight and a rerun issues the rest: issued pupils are no candidates), then
    fresh statistics for the tables it changed."""
    totals: Counter = Counter()
    candidates = _scope_students(scope).filter(cleared_candidates_q())
    for chunk in _keyset(candidates, fields=("pk",)):
        outcome = issue_cleared(student_ids=[row[0] for row in chunk], actor=actor, job=job)
        totals.update({k: (len(v) if isinstance(v, list) else v) for k, v in outcome.items()})
        if progress:
            progress(f"numbers: G {totals['G']}, J {totals['J']}")
    issued = totals["G"] + totals["J"]
    analyze_changed({Student: issued, NationalNumber: 2 * issued})
    return totals


BATCH_COUNTS = ("verified", "id_not_found", "name_mismatch")
# A step a test (or an operator's fault injection) may hook between two chunks: called with the chunk's number
# after it committed (tests raise there to kill a run midway).
after_chunk = None


def _verify_rerun(job: Job, actor) -> Job:
    """A failed or interrupted run is run again over the same batch: the pupils it checked (committed chunk by
    chunk) are no longer awaiting a check, so the rerun continues where the first run stopped."""
    from xueji.jobs.services import job_start

    batch = VerificationBatch.objects.filter(job=job, status=BatchStatus.RUNNING).values_list("pk", flat=True).first()
    params = dict(job.params) | ({"batch": batch} if batch else {})
    return job_start(actor=actor, kind=job.kind, title=job.title, params=params, rerun_of=job)


def _batch_of(ctx, scope: OrgUnit, actor) -> tuple[VerificationBatch, bool]:
    """The batch this run fills: the interrupted run's (a rerun continues it), or a new one."""
    pk = ctx.params.get("batch")
    if pk and VerificationBatch.objects.filter(pk=pk, mode=BatchMode.ADAPTER, status=BatchStatus.RUNNING,
                                               org_unit=scope).update(job=ctx.job):
        return VerificationBatch.objects.get(pk=pk), True
    return VerificationBatch.objects.create(org_unit=scope, province_code=province_code_of(scope) or "",
                                            mode=BatchMode.ADAPTER, job=ctx.job, created_by=actor,
                                            created_at=clock.now()), False


@job_handler("registration.verify", rerun=_verify_rerun)
def verify_job(ctx) -> dict:
    """Check the scope's pupils chunk by chunk, then issue the numbers. Each chunk commits on its own together
    with the batch's counters (a crash loses at most the chunk in flight; a rerun continues the batch), and
    the statistics of the tables changed are refreshed after each phase."""
    actor = ctx.job.created_by
    scope = OrgUnit.objects.get(pk=ctx.params["org_unit"])
    batch, resumed = _batch_of(ctx, scope, actor)
    register = population_register()
    to_check = _scope_students(scope).filter(has_id_q(), verify_status__in=CHECKABLE)
    # A continued batch keeps what its first run checked: its counters come from the batch.
    before = Counter({"checked": batch.answered, **(batch.counts or {})}) if resumed else Counter()
    total = before["checked"] + to_check.count()
    VerificationBatch.objects.filter(pk=batch.pk).update(total=total)
    counts: Counter = Counter()
    done = before["checked"]

    def committing(outcome: dict) -> None:  # in the chunk's transaction: the batch counts what committed
        mine = counts + Counter({k: v for k, v in outcome.items() if isinstance(v, int) and not isinstance(v, bool)})
        VerificationBatch.objects.filter(pk=batch.pk).update(
            answered=before["checked"] + mine["checked"],
            counts={k: before[k] + mine[k] for k in BATCH_COUNTS})

    for number, chunk in enumerate(_keyset(to_check, fields=("pk", "id_number", "name")), start=1):
        outcome = verify_students(student_ids=[row[0] for row in chunk], actor=actor, batch=batch,
                                  register=register, job=ctx.job, committing=committing, rows=chunk)
        done += len(chunk)
        counts.update({k: v for k, v in outcome.items() if isinstance(v, int) and not isinstance(v, bool)})
        if outcome.get("unavailable"):
            raise RegisterUnavailable("The population register did not answer; nothing more was checked.")
        ctx.progress(80 * done // max(total, 1), f"checked {done}/{total}")
        if after_chunk is not None:
            after_chunk(number)
    analyze_changed({Student: counts["checked"], VerificationItem: counts["checked"],
                     Problem: counts["problems_new"], ProblemMember: counts["problems_new"]})
    numbers = issue_scope_numbers(scope=scope, actor=actor, job=ctx.job,
                                  progress=lambda message: ctx.progress(90, message))
    counts += before
    result = {"batch": batch.pk, "checked": counts["checked"], "verified": counts["verified"],
              "id_not_found": counts["id_not_found"], "name_mismatch": counts["name_mismatch"],
              "problems_new": counts["problems_new"], "problems_resolved": counts["problems_resolved"],
              "numbers": dict(numbers)}
    if resumed:
        result["resumed"] = True
    VerificationBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.DONE, answered=counts["checked"], finished_at=clock.now(),
        counts={k: result[k] for k in BATCH_COUNTS})
    ctx.progress(100, f"verified {result['verified']}, not found {result['id_not_found']}, "
                      f"mismatch {result['name_mismatch']}; G {numbers['G']}, J {numbers['J']}")
    return result


# The file exchange: the export, the answers -----------------------------------------------------------------

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
                insert_rows(VerificationItem, ["batch", "student", "id_number", "name", "result"],
                            [(batch.pk, pk, number, name, "") for pk, number, name in chunk])
                student_verify_set(student_ids=[row[0] for row in chunk], status=VerifyStatus.SENT,
                                   only_from=[VerifyStatus.UNVERIFIED])
            writer.writerows([f"{batch.pk}-{pk}", number, name] for pk, number, name in chunk)
            rows += len(chunk)
            ctx.progress(95 * rows // max(total, 1), f"{rows}/{total}")
    VerificationBatch.objects.filter(pk=batch.pk).update(total=rows, status=BatchStatus.SENT, file=relative)
    analyze_changed({Student: rows, VerificationItem: rows})
    audit_record(actor=actor, action="verification.export", object_type="verification.verificationbatch",
                 object_id=str(batch.pk), object_repr=f"{rows} pupils for the population register",
                 after={"batch": batch.pk, "rows": rows, "scope": scope.pk, "id_numbers": "full"})
    ctx.progress(100, f"exported {rows} pupils (batch {batch.pk})")
    return {"batch": batch.pk, "rows": rows}


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
        # sid -> [item id, ID number sent, name sent, result]: values, not model objects
        items = {sid: [pk, number, name, result] for pk, sid, number, name, result in VerificationItem.objects.filter(
            batch=batch, student_id__in=ids).values_list("pk", "student_id", "id_number", "name", "result")}
        current = {pk: (number, name) for pk, number, name in Student.objects.filter(pk__in=ids).values_list(
            "pk", "id_number", "name")}
        results: dict[int, str] = {}
        answered: list[tuple[int, str, object]] = []
        now = clock.now()
        for line, reference, sid, number, code in rows:
            item = items.get(sid)
            if item is None:
                errors.append((line, reference, "该参考号不在本批次中 (reference not in this batch)"))
                continue
            item_pk, sent_number, sent_name, item_result = item
            if idnumbers.normalise(number) != idnumbers.normalise(sent_number):
                errors.append((line, reference, "身份证件号与导出时不同 (ID number differs from the one sent)"))
                continue
            result = ANSWER_CODES.get(code.lower() if code.isascii() else code)
            if result is None:
                errors.append((line, reference, f"未知的核查结果代码 {code!r} (unknown result code)"))
                continue
            if item_result:
                counts["already_answered"] += 1
                continue
            item[3] = result
            answered.append((item_pk, result, now))
            if current.get(sid) != (sent_number, sent_name):
                counts["stale"] += 1  # the record changed (or went) since export: a later run checks it again
                continue
            results[sid] = result
        with transaction.atomic():
            update_rows(VerificationItem, "id", ["result", "answered_at"], answered)
            outcome = apply_results(results=results, actor=actor, job=ctx.job) if results else {}
        counts["answered"] += len(answered)
        for key in ("verified", "id_not_found", "name_mismatch", "problems_new", "problems_resolved", "skipped"):
            counts[key] += outcome.get(key, 0)
        if outcome.get("verified_ids"):
            issued = issue_cleared(student_ids=outcome["verified_ids"], actor=actor, job=ctx.job)
            numbers.update({k: (len(v) if isinstance(v, list) else v) for k, v in issued.items()})

    pending: list[tuple[int, str, int, str, str]] = []
    for line, row in answer_rows(path):
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
    batch_counts = dict(VerificationItem.objects.filter(batch=batch).exclude(result="").order_by()
                        .values_list("result").annotate(n=Count("id")).values_list("result", "n"))
    issued = numbers["G"] + numbers["J"]
    analyze_changed({Student: counts["verified"] + counts["id_not_found"] + counts["name_mismatch"] + issued,
                     VerificationItem: counts["answered"], NationalNumber: 2 * issued,
                     Problem: counts["problems_new"], ProblemMember: counts["problems_new"]})
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
    audit_record(actor=actor, action="verification.import", object_type="verification.verificationbatch",
                 object_id=str(batch.pk), object_repr=f"answers of batch {batch.pk}",
                 after={k: v for k, v in result.items() if k != "error_sample"})
    ctx.progress(100, f"{counts['answered']} answers applied, {len(errors)} rows refused")
    return result


# Loading the local population register ----------------------------------------------------------------------

@job_handler("registration.register_load")
def register_load_job(ctx) -> dict:
    path = (Path(settings.MEDIA_ROOT) / ctx.params["file"]).resolve()
    if not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve()):
        raise ValueError("register file outside the media root")
    result = register_load(path=path, actor=ctx.job.created_by)
    ctx.progress(100, f"loaded {result['loaded']}, refused {result['refused']}")
    return result
