"""Upload checks made before any parser touches a file: size (policy), type by content, zip-bomb guard.

Django's upload settings are thresholds (memory vs disk), not limits, so sizes are enforced here: the declared
size first, then every byte as the upload is streamed to disk."""

import hashlib
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers, TemporaryFileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xueji.core import files
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
    base = Path(name or "upload").name.replace("\x00", "")
    return base[-120:] or "upload"


def store_upload(upload, *, limit: int) -> StoredUpload:
    """Stream an upload to MEDIA_ROOT/imports/<uuid>/, hashing it and refusing it past `limit` bytes."""
    name = _safe_name(getattr(upload, "name", "") or "upload")
    check_size(getattr(upload, "size", None), limit)
    relative = f"imports/{uuid.uuid4().hex}/{name}"
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


def _refuse(message: str, code: str) -> None:
    raise ValidationFailed(message, code=code, field="file")


_FOREIGN = {"png": "PNG 图片", "jpeg": "JPEG 图片", "gif": "GIF 图片", "rar": "RAR 压缩包", "7z": "7z 压缩包",
            "gzip": "gzip 压缩包", "exe": "可执行程序"}


def sniff(path: Path, name: str) -> str:
    """The file's type by its content ("xlsx" or "csv"); the name's extension must agree."""
    head, kind = files.sniff_path(path)
    suffix = Path(name).suffix.lower()
    if not head:
        _refuse("文件是空的。", "empty_file")
    key = kind.key if kind else None
    if key == "pdf":
        _refuse(f"“{name}”的内容是 PDF 文档，不是 Excel 工作簿或 CSV 文件。请上传由导入模板填写的 .xlsx 或 .csv 文件。",
                "wrong_file_type")
    if key == "ole":
        _refuse(f"“{name}”是旧版 Excel（.xls）或加密的工作簿。请在 Excel 中“另存为” .xlsx（不设密码）后再上传。",
                "wrong_file_type")
    if key in _FOREIGN:
        _refuse(f"“{name}”的内容是{_FOREIGN[key]}，不是 Excel 工作簿或 CSV 文件。", "wrong_file_type")
    is_zip = key == "zip"
    if suffix in XLSX_SUFFIXES:
        if not is_zip:
            _refuse(f"“{name}”的扩展名是 .xlsx，但内容不是 Excel 工作簿。", "wrong_file_type")
        return "xlsx"
    if suffix in TEXT_SUFFIXES:
        if is_zip:
            _refuse(f"“{name}”的扩展名是 {suffix}，但内容是 Excel 工作簿或压缩包；请把扩展名改为 .xlsx。",
                    "wrong_file_type")
        utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
        if b"\x00" in head and not utf16:
            _refuse(f"“{name}”不是文本文件（含有二进制内容），不能作为 CSV 导入。", "wrong_file_type")
        return "csv"
    _refuse(f"不支持“{suffix or name}”类型的文件：请上传 .xlsx 或 .csv 文件。", "wrong_file_type")
    raise AssertionError  # unreachable


def check_xlsx_container(path: Path, name: str) -> None:
    """Zip-bomb guard from the central directory alone (nothing is decompressed): entry count, declared total
    uncompressed size and compression ratios; and the parts every workbook has."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        _refuse(f"“{name}”已损坏，不是有效的 .xlsx 文件。", "corrupt_file")
    if len(infos) > XLSX_MAX_ENTRIES:
        _refuse(f"“{name}”内含 {len(infos)} 个部件，超过 {XLSX_MAX_ENTRIES} 个，不像是正常的 Excel 工作簿，已拒绝。",
                "zip_bomb")
    total = sum(info.file_size for info in infos)
    compressed = max(path.stat().st_size, 1)
    if total > XLSX_MAX_UNCOMPRESSED:
        _refuse(f"“{name}”解压后将达 {filesizeformat(total)}（文件本身 {filesizeformat(compressed)}），超过"
                f" {filesizeformat(XLSX_MAX_UNCOMPRESSED)} 的上限，已拒绝。数据量大时请改用 CSV 文件导入。",
                "zip_bomb")
    for info in infos:
        if info.flag_bits & 0x1:
            _refuse(f"“{name}”含有加密内容，请取消密码后再上传。", "encrypted_file")
        if info.file_size > XLSX_RATIO_FLOOR and info.file_size > XLSX_MAX_RATIO * max(info.compress_size, 1):
            _refuse(f"“{name}”中的“{info.filename[:80]}”声明解压后 {filesizeformat(info.file_size)}，压缩率"
                    f"超过 {XLSX_MAX_RATIO} 倍（疑似压缩炸弹），已拒绝。", "zip_bomb")
    if total > XLSX_RATIO_FLOOR and total > XLSX_MAX_RATIO * compressed:
        _refuse(f"“{name}”（{filesizeformat(compressed)}）声明解压后达 {filesizeformat(total)}，压缩率超过"
                f" {XLSX_MAX_RATIO} 倍（疑似压缩炸弹），已拒绝。", "zip_bomb")
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        _refuse(f"“{name}”是压缩包，但不是 Excel 工作簿（.xlsx）。", "wrong_file_type")


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
