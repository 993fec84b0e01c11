"""Upload checks made before any parser touches a file: size (policy), type by content, zip-bomb guard.

Django's upload settings are thresholds (memory vs disk), not limits, so sizes are enforced here: the declared
size first, then every byte as the upload is streamed to disk."""

import hashlib
import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers, TemporaryFileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xueji.core import files, malware
from xueji.core.errors import ValidationFailed, XuejiError
from xueji.policy.services import province_code_of, setting_get

# An .xlsx holds a dozen or so parts; a workbook with many sheets a few hundred.
XLSX_MAX_ENTRIES = 500
# calamine reads a whole sheet into memory, so the uncompressed size of the workbook bounds the memory an .xlsx
# import may use: about 2 bytes per byte of sheet XML (measured: 50,000 template rows, 114 MB of XML, 241 MiB).
# 160 MB keeps an import under ~400 MB and takes about 70,000 full rows; bigger files go as CSV (streamed).
XLSX_MAX_UNCOMPRESSED = 160 * 1024 * 1024
# Sheet XML compresses about 5-20 times; a zip bomb thousands of times.
XLSX_MAX_RATIO = 100
XLSX_RATIO_FLOOR = 1024 * 1024  # parts smaller than this are never refused for their ratio
DTD_SCAN_BYTES = 4096  # of each XML part, for a document type declaration (it precedes the root element)

TEXT_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx",)


class UploadTooLarge(XuejiError):
    status_code = 413
    default_code = "file_too_large"


@dataclass(frozen=True)
class StoredUpload:
    path: Path  # absolute
    relative: str  # under MEDIA_ROOT
    name: str
    size: int
    sha256: str


def import_max_bytes(org_unit) -> int:
    """The province's upload limit for import files (policy "import.max_bytes")."""
    return int(setting_get(province_code=province_code_of(org_unit), key="import.max_bytes"))


def size_message(size: int, limit: int, *, aborted: bool = False):
    """The user's words (a lazy translation, rendered in the reader's language)."""
    words = (_("The file ({size}) is larger than the import limit of {limit}; split it and import the parts. "
               "(The upload stopped when it passed the limit.)") if aborted
             else _("The file ({size}) is larger than the import limit of {limit}; split it and import the parts."))
    return format_lazy(words, size=filesizeformat(size), limit=filesizeformat(limit))


def check_size(size: int | None, limit: int) -> None:
    if size is not None and size > limit:
        raise UploadTooLarge(size_message(size, limit), field="file",
                             details={"size": size, "limit": limit})


def _safe_name(name: str) -> str:
    base = Path((name or "upload").replace("\x00", "").replace("\\", "/")).name
    return base[-120:] or "upload"


_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")


def storage_name(name: str) -> str:
    """The name a file is stored under: generated here ("upload" and the name's suffix when it is a plain one), never
    the user's, so no name reaches the file system (no traversal, no NUL, no reserved or overlong name)."""
    suffix = Path(name).suffix.lower()
    return "upload" + (suffix if _SUFFIX.fullmatch(suffix) else "")


def store_upload(upload, *, limit: int) -> StoredUpload:
    """Stream an upload to MEDIA_ROOT/imports/<uuid>/upload.<suffix> (a generated name; the user's, `name`, is kept
    apart for the messages), hashing it and refusing it past `limit` bytes."""
    name = _safe_name(getattr(upload, "name", "") or "upload")
    check_size(getattr(upload, "size", None), limit)
    relative = f"imports/{uuid.uuid4().hex}/{storage_name(name)}"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    chunks = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b"")
    try:
        with path.open("wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise UploadTooLarge(size_message(size, limit, aborted=True), field="file",
                                         details={"size": size, "limit": limit})
                digest.update(chunk)
                out.write(chunk)
        malware.check_path(path, name=name)  # infected: refused and discarded before any reader opens it
    except BaseException:
        discard(path)
        raise
    return StoredUpload(path=path, relative=relative, name=name, size=size, sha256=digest.hexdigest())


def discard(path: Path | str | None) -> None:
    if not path:
        return
    path = Path(path)
    if not path.is_absolute():
        path = Path(settings.MEDIA_ROOT) / path
    path.unlink(missing_ok=True)
    try:
        path.parent.rmdir()
    except OSError:
        pass


def _refuse(message, code: str) -> None:  # message: the user's words (lazy), in the reader's language
    raise ValidationFailed(message, code=code, field="file")


_FOREIGN = {"png": _("a PNG image"), "jpeg": _("a JPEG image"), "gif": _("a GIF image"), "rar": _("a RAR archive"),
            "7z": _("a 7z archive"), "gzip": _("a gzip archive"), "exe": _("a program")}


def sniff(path: Path, name: str) -> str:
    """The file's type by its content ("xlsx" or "csv"); the name's extension must agree."""
    head, kind = files.sniff_path(path)
    suffix = Path(name).suffix.lower()
    if not head:
        _refuse(_("The file is empty."), "empty_file")
    key = kind.key if kind else None
    if key == "pdf":
        _refuse(format_lazy(_("“{name}” is a PDF document, not an Excel workbook or a CSV file. Upload the .xlsx "
                              "or .csv file filled in from the import template."), name=name), "wrong_file_type")
    if key == "ole":
        _refuse(format_lazy(_("“{name}” is an old Excel (.xls) or an encrypted workbook. In Excel, “Save as” .xlsx "
                              "(without a password), then upload it."), name=name), "wrong_file_type")
    if key in _FOREIGN:
        _refuse(format_lazy(_("“{name}” is {kind}, not an Excel workbook or a CSV file."), name=name,
                            kind=_FOREIGN[key]), "wrong_file_type")
    is_zip = key == "zip"
    if suffix in XLSX_SUFFIXES:
        if not is_zip:
            _refuse(format_lazy(_("“{name}” is named .xlsx, but its content is no Excel workbook."), name=name),
                    "wrong_file_type")
        return "xlsx"
    if suffix in TEXT_SUFFIXES:
        if is_zip:
            _refuse(format_lazy(_("“{name}” is named {suffix}, but its content is an Excel workbook or a zip archive; "
                                  "rename it to .xlsx."), name=name, suffix=suffix), "wrong_file_type")
        utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
        if b"\x00" in head and not utf16:
            _refuse(format_lazy(_("“{name}” is no text file (it holds binary content) and cannot be imported as CSV."),
                                name=name), "wrong_file_type")
        return "csv"
    _refuse(format_lazy(_("Files of the type “{kind}” are not accepted: upload an .xlsx or .csv file."),
                        kind=suffix or name), "wrong_file_type")
    raise AssertionError  # unreachable


def check_xlsx_container(path: Path, name: str) -> None:
    """Zip-bomb guard from the central directory alone (nothing is decompressed): entry count, declared total
    uncompressed size and compression ratios; and the parts every workbook has."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        _refuse(format_lazy(_("“{name}” is damaged: it is no valid .xlsx file."), name=name), "corrupt_file")
    if len(infos) > XLSX_MAX_ENTRIES:
        _refuse(format_lazy(_("“{name}” holds {count} parts, more than {limit}: no ordinary Excel workbook does; "
                              "refused."), name=name, count=len(infos), limit=XLSX_MAX_ENTRIES), "zip_bomb")
    total = sum(info.file_size for info in infos)
    compressed = max(path.stat().st_size, 1)
    if total > XLSX_MAX_UNCOMPRESSED:
        _refuse(format_lazy(_("“{name}” would unpack to {total} (the file itself is {size}), over the limit of "
                              "{limit}; refused. Import large data as a CSV file."), name=name,
                            total=filesizeformat(total), size=filesizeformat(compressed),
                            limit=filesizeformat(XLSX_MAX_UNCOMPRESSED)), "zip_bomb")
    for info in infos:
        if info.flag_bits & 0x1:
            _refuse(format_lazy(_("“{name}” holds encrypted content: remove the password, then upload it."), name=name),
                    "encrypted_file")
        if info.file_size > XLSX_RATIO_FLOOR and info.file_size > XLSX_MAX_RATIO * max(info.compress_size, 1):
            _refuse(format_lazy(_("“{part}” in “{name}” declares {total} unpacked, a compression ratio over {ratio} (a "
                                  "suspected zip bomb); refused."), part=info.filename[:80], name=name,
                                total=filesizeformat(info.file_size), ratio=XLSX_MAX_RATIO), "zip_bomb")
    if total > XLSX_RATIO_FLOOR and total > XLSX_MAX_RATIO * compressed:
        _refuse(format_lazy(_("“{name}” ({size}) declares {total} unpacked, a compression ratio over {ratio} (a "
                              "suspected zip bomb); refused."), name=name, size=filesizeformat(compressed),
                            total=filesizeformat(total), ratio=XLSX_MAX_RATIO), "zip_bomb")
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        _refuse(format_lazy(_("“{name}” is a zip archive, but no Excel workbook (.xlsx)."), name=name),
                "wrong_file_type")
    _refuse_dtds(path, name, infos)


def _refuse_dtds(path: Path, name: str, infos) -> None:
    """No XML part may declare a document type (entities: the "billion laughs", external entities). Excel never
    writes one; a declaration precedes the root element, so the first bytes of each part tell (only they are
    decompressed). The readers parse no XML with Python's parsers (calamine; regular expressions over small parts),
    and this holds whatever parser comes later: defusedxml is not needed, nor installed."""
    with zipfile.ZipFile(path) as archive:
        for info in infos:
            if not info.filename.endswith((".xml", ".rels", ".vml")) or not info.file_size:
                continue
            try:
                with archive.open(info) as handle:
                    head = handle.read(DTD_SCAN_BYTES)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
                _refuse(format_lazy(_("“{name}” is damaged: it is no valid .xlsx file."), name=name), "corrupt_file")
            head = head.replace(b"\x00", b"").upper()  # UTF-16 parts too
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                _refuse(format_lazy(_("“{part}” in “{name}” declares a document type or entities, which no Excel "
                                      "workbook does; refused."), part=info.filename[:80], name=name), "unsafe_xml")


class LimitedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Streams multipart file parts to disk (never memory) and stops past a byte limit.

    `limit` may be a callable, resolved when the first file part arrives (so it can depend on the user)."""

    def __init__(self, request=None, *, limit) -> None:
        super().__init__(request)
        self._limit = limit
        self._received = 0

    def new_file(self, *args, **kwargs):
        if callable(self._limit):
            self._limit = int(self._limit())
        super().new_file(*args, **kwargs)
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data, start):
        self._received += len(raw_data)
        if self._received > self._limit:
            self.file.close()
            raise UploadTooLarge(size_message(self._received, self._limit, aborted=True),
                                 field="file", details={"size": self._received, "limit": self._limit})
        return super().receive_data_chunk(raw_data, start)


def upload_handlers(request, limit) -> list[FileUploadHandler]:
    return [LimitedTemporaryFileUploadHandler(request, limit=limit)]
