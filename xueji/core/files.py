"""What an uploaded file is, by its own bytes (issue 7, item 18): the one sniffer and the one encoding detector.

Uploads are judged by content, never by name or declared type: `sniff` reads the file's first bytes against the
known signatures; `detect_encoding` finds how a text file (CSV) is encoded."""

import codecs
from dataclasses import dataclass
from pathlib import Path

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xueji.core.errors import ValidationFailed

_BLOCK = 1 << 20


@dataclass(frozen=True)
class FileKind:
    key: str
    magic: bytes
    content_type: str
    extensions: frozenset[str]


# Longest signatures first where one is a prefix of another.
KINDS = (
    FileKind("png", b"\x89PNG\r\n\x1a\n", "image/png", frozenset({".png"})),
    FileKind("jpeg", b"\xff\xd8\xff", "image/jpeg", frozenset({".jpg", ".jpeg"})),
    FileKind("gif", b"GIF8", "image/gif", frozenset({".gif"})),
    FileKind("pdf", b"%PDF-", "application/pdf", frozenset({".pdf"})),
    # Old Excel (.xls), Word (.doc) and encrypted workbooks: the OLE compound file.
    FileKind("ole", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage", frozenset({".xls", ".doc"})),
    FileKind("zip", b"PK\x03\x04", "application/zip", frozenset({".zip", ".xlsx", ".docx"})),  # xlsx is a zip
    FileKind("rar", b"Rar!", "application/vnd.rar", frozenset({".rar"})),
    FileKind("7z", b"7z\xbc\xaf", "application/x-7z-compressed", frozenset({".7z"})),
    FileKind("gzip", b"\x1f\x8b", "application/gzip", frozenset({".gz"})),
    FileKind("exe", b"MZ", "application/x-msdownload", frozenset({".exe", ".dll"})),
)
BY_KEY = {kind.key: kind for kind in KINDS}


def sniff(head: bytes) -> FileKind | None:
    """The kind of file these first bytes begin (None: none of the known signatures, e.g. plain text)."""
    for kind in KINDS:
        if head.startswith(kind.magic):
            return kind
    return None


def sniff_path(path: Path, size: int = 64 * 1024) -> tuple[bytes, FileKind | None]:
    with Path(path).open("rb") as handle:
        head = handle.read(size)
    return head, sniff(head)


ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)", "gb18030": "GB18030", "utf-16": "UTF-16"}


def _decodes_as(path: Path, encoding: str) -> tuple[bool, int]:
    """Whether the whole file decodes strictly (streamed); else the byte offset of the first bad byte."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return False, offset + max(exc.start, 0)
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False, offset
    return True, -1


def detect_encoding(path: Path, name: str = "") -> str:
    """UTF-8 BOM, UTF-16 BOM, else strict UTF-8 over the whole file, else GB18030 (a superset of GBK and GB2312,
    what Excel writes for "CSV (逗号分隔)" on Chinese Windows). UTF-8 is tried first because random GB18030 text
    is almost never valid UTF-8, while most byte sequences are valid GB18030."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        ok, where = _decodes_as(path, "utf-16")
        if ok:
            return "utf-16"
        raise ValidationFailed(format_lazy(_("“{name}” starts with a UTF-16 mark but cannot be decoded at byte "
                                             "{where}."), name=name, where=where), code="bad_encoding", field="file")
    ok, utf8_at = _decodes_as(path, "utf-8")
    if ok:
        return "utf-8"
    ok, gb_at = _decodes_as(path, "gb18030")
    if ok:
        return "gb18030"
    raise ValidationFailed(format_lazy(_(
        "The text encoding of “{name}” is not recognised: it is neither UTF-8 (error at byte {utf8_at}) nor "
        "GB18030/GBK (error at byte {gb_at}). In Excel, “Save as” “CSV UTF-8 (comma delimited)” and upload again."),
        name=name, utf8_at=utf8_at, gb_at=gb_at), code="bad_encoding", field="file")
