"""Import batches for the jurisdiction matrix (xueji/ui/tests/test_matrix.py)."""

from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from xueji.core import clock
from xueji.exchange.models import ImportBatch, ImportStatus
from xueji.exchange.sheet_templates import csv_template


def matrix_imports(world) -> None:
    """A finished import with an error report in two schools of different provinces."""
    for school in ("tunxi_primary", "xuanwu_primary"):
        registrar = world.user(school, "registrar")
        batch = ImportBatch.objects.create(
            school=world.schools[school], file_name="矩阵.csv", file_size=10, file_type="csv", sha256="0" * 64,
            status=ImportStatus.SUCCEEDED, total_rows=1, invalid_rows=1, error_count=1, created_by=registrar,
            created_at=clock.now(), finished_at=clock.now())
        relative = f"imports/reports/{batch.pk}/errors.xlsx"
        path = Path(settings.MEDIA_ROOT) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PK\x03\x04matrix")
        batch.error_report = relative
        batch.save(update_fields=["error_report"])


def import_objects() -> list:
    return [(b.school.org_unit, b) for b in ImportBatch.objects.select_related("school__org_unit").order_by("pk")]


def matrix_upload(obj, user, seq) -> dict:
    """A well-formed file (the CSV template's header and one row) for the POST case: accepted with 202."""
    content = csv_template() + "2025级1班,矩阵学生\r\n".encode()
    return {"file": SimpleUploadedFile(f"matrix-{seq}.csv", content), "kind": "enrolled"}
