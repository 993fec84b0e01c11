"""Signed graduation batches (issue 11, item 2): the registrar who graduates a final grade signs the batch with
their SM2 key over the SM3 digest of its canonical form (school, stage, kind, year, the pupils, the request,
who, when); `batch_verified` checks it against the batch and its graduates as stored now."""

import datetime as dt

from xueji.schoolyear.models import Graduate, GraduationBatch
from xueji.signing import services as signing

SUBJECT = "schoolyear.graduationbatch"


def batch_payload(batch: GraduationBatch, student_ids: list[int], request_id: int | None) -> dict:
    return {"batch": batch.pk, "school": batch.school_id, "stage": batch.stage, "kind": batch.kind,
            "year": batch.year, "count": batch.count, "students": sorted(student_ids), "request": request_id,
            "actor": batch.created_by_id, "at": batch.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds")}


def batch_sign(batch: GraduationBatch, *, actor, student_ids: list[int], request_id: int | None) -> None:
    signing.sign(actor=actor, subject=SUBJECT, object_id=batch.pk,
                 payload=batch_payload(batch, student_ids, request_id))


CLOSE_SUBJECT = "schoolyear.graduation_close"


def close_payload(batches: list[GraduationBatch], students: dict[int, list[int]]) -> dict:
    """统一毕业 of many schools at once: one payload over every batch of the operation (each batch's own form)."""
    return {"batches": [batch_payload(b, students.get(b.pk, []), None) for b in sorted(batches, key=lambda b: b.pk)]}


def close_sign(batches: list[GraduationBatch], *, actor, students: dict[int, list[int]]) -> None:
    """The authority signs its close once (one signature per operation, not per school: SM2 in Python costs
    about 25 ms a signature), filed under the operation's first batch."""
    signing.sign(actor=actor, subject=CLOSE_SUBJECT, object_id=min(b.pk for b in batches),
                 payload=close_payload(batches, students))


def _close_verified(batch: GraduationBatch) -> bool | None:
    siblings = list(GraduationBatch.objects.filter(created_at=batch.created_at, created_by=batch.created_by_id))
    first = min(b.pk for b in siblings)
    signature = signing.signatures_of(CLOSE_SUBJECT, [first]).get(first)
    if signature is None:
        return None
    students: dict[int, list[int]] = {}
    for batch_id, student in Graduate.objects.filter(batch__in=siblings).values_list("batch_id", "student_id"):
        students.setdefault(batch_id, []).append(student)
    return signing.verified(signature, close_payload(siblings, students))


def batch_verified(batch: GraduationBatch) -> bool | None:
    """True: the signature verifies over the batch as stored (its own, or its close's over every batch of the
    operation); False: it does not; None: never signed."""
    signature = signing.signatures_of(SUBJECT, [batch.pk]).get(batch.pk)
    if signature is None:
        return _close_verified(batch)
    students = list(Graduate.objects.filter(batch=batch).values_list("student_id", flat=True))
    from xueji.audit.models import AuditEvent  # the batch's request, as its audit row recorded it

    after = (AuditEvent.objects.filter(action="schoolyear.graduation", object_type="schoolyear.graduationbatch",
                                       object_id=str(batch.pk)).values_list("after", flat=True).first()) or {}
    return signing.verified(signature, batch_payload(batch, students, after.get("request")))
