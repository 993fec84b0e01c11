"""Bulk import services: the template, and starting an import (checks made while the user waits, then a job)."""

import datetime as dt

from django.db import transaction

from xueji.accounts.jurisdiction import require_org_within
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import ValidationFailed, XuejiError
from xueji.exchange import sheet_templates
from xueji.exchange.classes import class_labels
from xueji.exchange.models import ImportBatch, ImportKind, ImportStatus
from xueji.exchange.readers import CsvSource, XlsxSource, match_columns
from xueji.exchange.uploads import check_xlsx_container, discard, import_max_bytes, sniff, store_upload
from xueji.jobs.services import job_start
from xueji.schools.models import School

JOB_KIND = "exchange.import_students"
TEMPLATE_FORMATS = ("xlsx", "csv")
# A batch still "running" this long after its last start is taken as interrupted (the worker died).
STALE_AFTER_HOURS = 6


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


def _mark_stale(school: School) -> None:
    cutoff = clock.now() - dt.timedelta(hours=STALE_AFTER_HOURS)
    ImportBatch.objects.filter(school=school, status=ImportStatus.RUNNING, started_at__lt=cutoff).update(
        status=ImportStatus.FAILED, finished_at=clock.now(),
        failure="导入中断（处理进程意外停止）。已写入的部分保留为草稿；重新上传同一文件可继续，已导入的学生不会重复。")


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
    _mark_stale(school)
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
