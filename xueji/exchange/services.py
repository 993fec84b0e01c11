"""Bulk import services: the template, starting an import (checks made while the user waits, then a job), and
what the job framework asks of imports when a worker died: mark the batch interrupted, run it again from the
kept upload, delete kept uploads once expired."""

from pathlib import Path

from django.conf import settings
from django.db import transaction

from xueji.accounts.jurisdiction import require_org_within
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import Conflict, ValidationFailed, XuejiError
from xueji.exchange import sheet_templates
from xueji.exchange.classes import class_labels
from xueji.exchange.models import ImportBatch, ImportKind, ImportStatus
from xueji.exchange.readers import CsvSource, XlsxSource, match_columns
from xueji.exchange.uploads import check_xlsx_container, discard, import_max_bytes, sniff, store_upload
from xueji.jobs.services import job_start
from xueji.schools.models import School

JOB_KIND = "exchange.import_students"
TEMPLATE_FORMATS = ("xlsx", "csv")


def require_importer(actor, school: School) -> None:
    """School registrars import into their own school only; authorities do not import into schools."""
    require_cap(actor, Cap.STUDENT_IMPORT)
    require_org_within(actor, school.org_unit)


def import_template(*, actor, school: School, fmt: str = "xlsx") -> bytes:
    """The import template of a school: .xlsx (dropdowns, the school's classes, instructions) or .csv."""
    require_importer(actor, school)
    if fmt not in TEMPLATE_FORMATS:
        raise ValidationFailed(f"Unknown template format {fmt!r}: use xlsx or csv.", code="unknown_format",
                               field="format")
    if fmt == "csv":
        return sheet_templates.csv_template()
    return sheet_templates.xlsx_template(class_names=[label for label, _k in class_labels(school)],
                                         school_name=school.name)


def check_file(path, name: str) -> tuple[str, str]:
    """Type by content, zip-bomb guard, then the header: the whole file is refused (naming the columns) when it
    is not an import file. Returns (file type, encoding label)."""
    file_type = sniff(path, name)
    if file_type == "xlsx":
        check_xlsx_container(path, name)
        source = XlsxSource(path, name)
        match_columns(source.quick_header())
        return file_type, ""
    source = CsvSource(path, name)
    try:
        match_columns(source.open())
    finally:
        source.close()
    return file_type, source.encoding_label


def import_start(*, actor, school: School, upload, kind: str = ImportKind.ENROLLED) -> ImportBatch:
    """Accept an uploaded file for import into the school and start the import job.

    Before any parser reads the file: the declared size against the province's "import.max_bytes", the bytes
    counted again while streaming to disk, the type by content (xlsx is a zip; a PDF renamed .xlsx is refused),
    the zip-bomb guard, then the column titles. Any of these refuses the whole file with the reason."""
    require_importer(actor, school)
    if kind not in ImportKind.values:
        raise ValidationFailed(f"Unknown import kind {kind!r}: use {' or '.join(ImportKind.values)}.",
                               code="unknown_kind", field="kind")
    if upload is None:
        raise ValidationFailed("Choose a file to import.", code="no_file", field="file")
    stored = None
    try:
        stored = store_upload(upload, limit=import_max_bytes(school.org_unit))
        file_type, encoding = check_file(stored.path, stored.name)
    except XuejiError as exc:
        if stored is not None:
            discard(stored.path)
        audit_record(actor=actor, action="student.import_refused", object_type="exchange.importbatch",
                     object_repr=(getattr(upload, "name", "") or "")[:255], success=False,
                     org_unit=school.org_unit,
                     after={"file": getattr(upload, "name", ""), "size": getattr(upload, "size", None),
                            "code": exc.code, "reason": exc.message[:500]})
        raise
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            school=school, kind=kind, file_name=stored.name, file_size=stored.size, file_type=file_type,
            sha256=stored.sha256, stored_file=stored.relative, encoding=encoding, created_by=actor,
            created_at=clock.now())
        job = job_start(actor=actor, kind=JOB_KIND, title=f"导入学生：{stored.name}"[:255],
                        params={"batch": batch.pk})
        batch.job = job
        batch.save(update_fields=["job"])
    return batch


def import_error_report_download(*, actor, pk) -> tuple[ImportBatch, Path]:
    """The error report of an import for download (exchange.selectors.import_error_report decides who); audited
    like every download of a file with pupils' data."""
    from xueji.exchange.selectors import import_error_report

    batch, path = import_error_report(user=actor, pk=pk)
    audit_record(actor=actor, action="student.import_report", obj=batch, org_unit=batch.school.org_unit,
                 after={"file": batch.error_report, "size": path.stat().st_size, "errors": batch.error_count})
    return batch, path


# What the job framework asks of imports (xueji.jobs.registry hooks) ---------------------------------------------

def import_interrupted(job) -> None:
    """The reaper found the import's worker dead: the batch is interrupted too. The chunks written stay (complete
    valid drafts, counted); the upload is kept for "run again" until the cleanup removes it."""
    batch = ImportBatch.objects.select_related("school__org_unit", "created_by").filter(job=job).first()
    if batch is None or batch.is_finished:
        return
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.INTERRUPTED, finished_at=clock.now())
    batch.refresh_from_db()
    audit_record(actor=batch.created_by, action="student.import", obj=batch, success=False,
                 org_unit=batch.school.org_unit,
                 after={"status": batch.status, "kind": batch.kind, "file": batch.file_name, "sha256": batch.sha256,
                        "total_rows": batch.total_rows, "valid_rows": batch.valid_rows, "job": job.pk})


def import_rerun(job, actor):
    """Run an interrupted import again (重新运行): a new batch over the kept upload, so each batch's counts say what
    its own run did; rows the first run wrote count as already imported, none is written twice."""
    old = ImportBatch.objects.select_for_update().select_related("school__org_unit").get(job=job)
    require_importer(actor, old.school)
    kept = Path(settings.MEDIA_ROOT) / old.stored_file if old.stored_file else None
    if kept is None or not kept.exists():
        raise Conflict("The uploaded file is no longer kept: upload the file again (pupils already imported are "
                       "recognised and not imported twice).", code="upload_gone")
    batch = ImportBatch.objects.create(
        school=old.school, kind=old.kind, file_name=old.file_name, file_size=old.file_size, file_type=old.file_type,
        sha256=old.sha256, stored_file=old.stored_file, encoding=old.encoding, created_by=actor,
        created_at=clock.now())
    ImportBatch.objects.filter(pk=old.pk).update(stored_file="")  # the upload moves to the new batch
    new_job = job_start(actor=actor, kind=JOB_KIND, title=job.title, params={"batch": batch.pk}, rerun_of=job)
    batch.job = new_job
    batch.save(update_fields=["job"])
    return new_job


def import_uploads_cleanup(cutoff) -> int:
    """Delete the uploads kept for interrupted imports that nobody ran again before the cutoff."""
    removed = 0
    for batch in ImportBatch.objects.filter(status=ImportStatus.INTERRUPTED, finished_at__lt=cutoff).exclude(
            stored_file="").only("pk", "stored_file"):
        discard(batch.stored_file)
        ImportBatch.objects.filter(pk=batch.pk).update(stored_file="")
        removed += 1
    return removed
