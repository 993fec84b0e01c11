"""The files of identity verification: the register's file formats, storing an uploaded CSV within the
province's size limit, and reading a CSV in whatever encoding Excel or the register wrote it.

The export (CSV: reference, id_number, name) holds full ID numbers: it is written under MEDIA_ROOT, never as a
job's result file, and served only through its batch. The register answers with a file (CSV: reference,
id_number, result code)."""

import csv
import io
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from xueji.core import malware
from xueji.core.errors import ValidationFailed
from xueji.core.files import detect_encoding, sniff_path
from xueji.policy.services import setting_get
from xueji.verification.choices import VerifyResult

EXPORT_HEADER = ["reference", "id_number", "name"]
EXPORT_NAME = "verification-{batch}.csv"
ANSWER_HEADER = ["reference", "id_number", "result"]
# Result codes of the answer file (the register's own codes): 1 verified, 2 ID not found, 3 name mismatch.
ANSWER_CODES = {"1": VerifyResult.VERIFIED, "2": VerifyResult.ID_NOT_FOUND, "3": VerifyResult.NAME_MISMATCH,
                "verified": VerifyResult.VERIFIED, "id_not_found": VerifyResult.ID_NOT_FOUND,
                "name_mismatch": VerifyResult.NAME_MISMATCH, "一致": VerifyResult.VERIFIED,
                "号码不存在": VerifyResult.ID_NOT_FOUND, "姓名不一致": VerifyResult.NAME_MISMATCH}


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
    try:
        _check_text(target, name)
        malware.check_path(target, name=name)
    except ValidationFailed:  # not text, infected (or no scanner where one is required): nothing kept
        target.unlink(missing_ok=True)
        raise
    return target


def _check_text(path: Path, name: str) -> None:
    """A .csv must be text by its bytes too: no known binary signature (a workbook, an image, a program renamed),
    no NUL outside UTF-16."""
    head, kind = sniff_path(path)
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if kind is not None or (b"\x00" in head and not utf16):
        what = kind.content_type if kind else "binary content"
        raise ValidationFailed(f"{name}: the file is {what}, not a CSV text file.", code="wrong_file_type",
                               field="file")


def open_text(path: Path) -> io.TextIOWrapper:
    """A CSV file as text, in the encoding core.files finds (UTF-8 with or without BOM, UTF-16, else GB18030:
    how Excel saves CSV on Chinese Windows)."""
    return io.TextIOWrapper(path.open("rb"), encoding=detect_encoding(path, path.name), newline="")


def answer_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """The rows of an answer file with their line numbers: blank rows and a header row skipped, cells trimmed."""
    with open_text(path) as fh:
        for line, row in enumerate(csv.reader(fh), start=1):
            if not row or not any(cell.strip() for cell in row):
                continue
            if line == 1 and row[0].strip().lower().lstrip("\ufeff") in ("reference", "学籍参考号", "参考号"):
                continue
            yield line, [cell.strip() for cell in row]
