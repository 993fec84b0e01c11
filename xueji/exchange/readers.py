"""Reading import files: CSV (UTF-8 with or without BOM, GB18030/GBK as Excel saves it on Chinese Windows,
UTF-16 "Unicode text") and .xlsx (python-calamine). Columns are matched by their title, in any order.

Each source gives the header (the first non-empty row) and then the data rows as (row number as the user sees
it in Excel, list of cells in header positions), one at a time: nothing holds the whole file's rows.

Why one module: every import (pupils, admissions, absences, statistics returns) reads its file through the same
sources and the same cell rules (text, dates, titles matched to columns); split by format they would share all
of the latter."""

import csv
import datetime as dt
import html
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xueji.core.errors import ValidationFailed
from xueji.core.files import ENCODING_LABELS, detect_encoding
from xueji.exchange.uploads import check_xlsx_container
from xueji.registry.fields import ALL_ITEMS, BY_TITLE, FormItem

DATA_SHEET = "学生信息"
REQUIRED_MARK = "*"
_BLOCK = 1 << 20


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - 64)
    return index - 1


def header_title(item: FormItem) -> str:
    """The column title in templates: the form's title, required ones marked with *."""
    return (REQUIRED_MARK + item.title) if item.required else item.title


_TITLE_NOISE = re.compile(r"[\s*＊\u3000]|[（(]必填[)）]|[（(]选填[)）]")


def normalise_title(value: Any) -> str:
    return _TITLE_NOISE.sub("", cell_text(value))


def header_columns(header: list[Any], columns) -> tuple[dict[str, int], list[str]]:
    """A file's header row matched to the expected columns ((key, title, required) triples; a title matches
    whatever its spacing, punctuation or a trailing * of "required"): each key's position (its first column), and
    the titles of the required columns it lacks (the caller refuses the file with its own words)."""
    wanted = {normalise_title(title): key for key, title, _required in columns}
    found: dict[str, int] = {}
    for pos, cell in enumerate(header):
        key = wanted.get(normalise_title(cell_text(cell)).rstrip("*"))
        if key and key not in found:
            found[key] = pos
    return found, [title for key, title, required in columns if required and key not in found]


def cell_date(value: Any) -> dt.date | None:
    """A cell as a date: a spreadsheet's date, or text written 2026-03-02, 2026/3/2, 2026.03.02 or 20260302; None
    when it is none of those (the caller reports the row)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value).strip().replace("/", "-").replace(".", "-")
    for form in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


def cell_text(value: Any) -> str:
    """A cell as the text the user typed (numbers without ".0", dates as YYYY-MM-DD)."""
    if value is None:
        return ""
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class ColumnMap:
    titles: list[str]  # the header as in the file (for the error report)
    items: list[tuple[int, FormItem]]  # position in the row -> form item
    unknown: list[tuple[int, str]] = field(default_factory=list)
    offset: int = 0  # absolute index of position 0 (calamine starts rows at the first used column)

    def letter(self, pos: int) -> str:
        return column_letter(self.offset + pos)

    @property
    def warnings(self) -> list[str]:
        if not self.unknown:
            return []
        shown = "、".join(gettext("“%(title)s” (column %(letter)s)") % {"title": title, "letter": self.letter(pos)}
                         for pos, title in self.unknown[:30])
        return [gettext("These columns are not in the import template and were ignored: %(columns)s")
                % {"columns": shown}]


def match_columns(header: list[Any], offset: int = 0) -> ColumnMap:
    """Map header titles to form items; refuse the file (naming the columns) when required columns are missing
    or a column appears twice."""
    titles = [cell_text(v).strip() for v in header]
    found: dict[str, int] = {}
    items: list[tuple[int, FormItem]] = []
    unknown: list[tuple[int, str]] = []
    twice: list[str] = []
    for pos, title in enumerate(titles):
        key = normalise_title(title)
        if not key:
            continue
        item = BY_TITLE.get(key)
        if item is None:
            unknown.append((pos, title))
            continue
        if item.key in found:
            first, again = column_letter(offset + found[item.key]), column_letter(offset + pos)
            twice.append(gettext("“%(title)s” (columns %(first)s and %(again)s)") % {
                "title": item.title, "first": first, "again": again})
            continue
        found[item.key] = pos
        items.append((pos, item))
    problems = []
    missing = [item.title for item in ALL_ITEMS if item.required and item.key not in found]
    if missing:
        problems.append(gettext("required columns missing: %(columns)s") % {
            "columns": "、".join(f"“{t}”" for t in missing)})
    if twice:
        problems.append(gettext("columns repeated: %(columns)s") % {"columns": "、".join(twice)})
    if problems:
        if unknown:
            problems.append(gettext("columns not recognised: %(columns)s") % {"columns": "、".join(
                gettext("“%(title)s” (column %(letter)s)") % {"title": t, "letter": column_letter(offset + p)}
                for p, t in unknown[:30])})
        if not found:
            problems.insert(0, gettext("the first row is not the header of the import template"))
        message = format_lazy(_("The file's columns do not match the import template; nothing of the file was "
                                "imported. {problems}. Use the import template the system makes."),
                              problems="；".join(problems))
        raise ValidationFailed(message, code="wrong_columns", field="file",
                               details={"missing": missing, "unknown": [t for _p, t in unknown], "duplicated": twice})
    return ColumnMap(titles=titles, items=items, unknown=unknown, offset=offset)


def _is_blank(cells: list[Any]) -> bool:
    for value in cells:
        if value is not None and value != "" and not (type(value) is str and not value.strip()):
            return False
    return True


# CSV ------------------------------------------------------------------------------------------------------------

class CsvSource:
    file_type = "csv"

    def __init__(self, path: Path, name: str = "") -> None:
        self.path = Path(path)
        self.name = name or self.path.name
        self.encoding = detect_encoding(self.path, self.name)
        self.size = max(self.path.stat().st_size, 1)
        self._raw = None
        self._records = None
        self.header_row = 0

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding)

    def open(self) -> list[str]:
        """Open the file and return the header (the first non-empty record)."""
        self.close()
        self._raw = self.path.open("rb")
        text = io.TextIOWrapper(self._raw, encoding=self.encoding, newline="")
        first = text.readline()
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        text.seek(0)
        self._records = enumerate(csv.reader(text, delimiter=delimiter), start=1)
        try:
            for number, record in self._records:
                if not _is_blank(record):
                    self.header_row = number
                    return record
        except csv.Error as exc:
            self._csv_error(exc)
        raise ValidationFailed(format_lazy(_("“{name}” is empty: no header, no data."), name=self.name),
                               code="empty_file", field="file")

    def _csv_error(self, exc: csv.Error) -> None:
        raise ValidationFailed(format_lazy(_("“{name}” is not a valid CSV file: {reason}."), name=self.name,
                                           reason=exc), code="bad_csv", field="file") from exc

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        try:
            for number, record in self._records:
                if not _is_blank(record):
                    yield number, record
        except csv.Error as exc:
            self._csv_error(exc)

    def formula_cells(self) -> dict[int, list[tuple[int, str]]]:
        return {}  # CSV has no formulas: text starting with = is refused by the row validator

    @property
    def fraction_done(self) -> float:
        try:
            return min(self._raw.tell() / self.size, 1.0) if self._raw else 0.0
        except (ValueError, OSError):
            return 1.0

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None


# XLSX -----------------------------------------------------------------------------------------------------------

_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_V = re.compile(rb"<(?:\w+:)?v\b[^>]*>(.*?)</(?:\w+:)?v>", re.S)
_T = re.compile(rb"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t>", re.S)
_RPH = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)
# A cell whose first child is a formula: <c r="B7" ...><f>...</f> (or <f .../> for shared formulas).
_FORMULA_CELL = re.compile(rb"<(?:\w+:)?c\b([^<>]{0,400})>\s*<(?:\w+:)?f[\s>/]")
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
MAX_FORMULA_CELLS = 100_000


def _attrs(raw: bytes) -> dict[str, str]:
    out = {}
    for key, double, single in _ATTR.findall(raw):
        out[key.decode().split(":")[-1]] = html.unescape((double or single).decode("utf-8", "replace"))
    return out


def _read_small(archive: zipfile.ZipFile, member: str, limit: int = 8 << 20) -> bytes:
    with archive.open(member) as handle:
        return handle.read(limit)


@dataclass
class SheetInfo:
    name: str
    part: str  # e.g. xl/worksheets/sheet1.xml
    visible: bool


def workbook_sheets(archive: zipfile.ZipFile) -> list[SheetInfo]:
    workbook = _read_small(archive, "xl/workbook.xml")
    rels = {}
    try:
        for raw in _REL_TAG.findall(_read_small(archive, "xl/_rels/workbook.xml.rels")):
            attrs = _attrs(raw)
            rels[attrs.get("Id", "")] = attrs.get("Target", "")
    except KeyError:
        pass
    sheets = []
    for raw in _SHEET_TAG.findall(workbook):
        attrs = _attrs(raw)
        target = rels.get(attrs.get("id", ""), "")
        if target.startswith("/"):
            part = target.lstrip("/")
        else:
            part = "xl/" + target
        sheets.append(SheetInfo(name=attrs.get("name", ""), part=part,
                                visible=attrs.get("state", "visible") == "visible"))
    return sheets


def choose_sheet(sheets: list[SheetInfo], name: str) -> SheetInfo:
    visible = [s for s in sheets if s.visible]
    for sheet in visible:
        if sheet.name == DATA_SHEET:
            return sheet
    if not visible:
        raise ValidationFailed(format_lazy(_("“{name}” has no visible sheet."), name=name), code="empty_file",
                               field="file")
    return visible[0]


def scan_formulas(archive: zipfile.ZipFile, part: str, name: str) -> dict[int, list[tuple[int, str]]]:
    """Cells holding formulas, found by streaming the sheet XML (calamine returns only their values):
    {row number: [(absolute column index, "B7"), ...]}. Reading the whole part also checks its CRC, so a part
    that inflates past its declared size is caught before calamine reads it."""
    found: dict[int, list[tuple[int, str]]] = {}
    count = 0
    tail = b""
    try:
        with archive.open(part) as handle:
            while block := handle.read(_BLOCK):
                buffer = tail + block
                if buffer.find(b"<f") != -1 or buffer.find(b":f") != -1:
                    for match in _FORMULA_CELL.finditer(buffer):
                        if match.end() <= len(tail):
                            continue  # seen in the previous block
                        ref = _REF.search(match.group(1))
                        count += 1
                        if ref is None or count > MAX_FORMULA_CELLS:
                            what = (_("formula cells (that cannot be located)") if ref is None else
                                    format_lazy(_("more than {count} formula cells"), count=MAX_FORMULA_CELLS))
                            raise ValidationFailed(format_lazy(_("“{name}” holds {what}. “Paste values” over the "
                                                                 "formulas and upload again."), name=name, what=what),
                                                   code="formula_cells", field="file")
                        letters, row = ref.group(1).decode(), int(ref.group(2))
                        found.setdefault(row, []).append((column_index(letters), f"{letters}{row}"))
                tail = buffer[-512:]
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as exc:
        raise ValidationFailed(format_lazy(_("“{name}” is damaged ({reason}): not a valid .xlsx file."), name=name,
                                           reason=exc), code="corrupt_file", field="file") from exc
    return found


_SI = re.compile(rb"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.S)


def _shared_strings(archive: zipfile.ZipFile, wanted: set[int]) -> dict[int, str]:
    """The shared strings at the wanted indexes, streamed with patterns rather than an XML parser (the file is
    untrusted), stopping after the highest one."""
    if not wanted:
        return {}
    try:
        handle = archive.open("xl/sharedStrings.xml")
    except KeyError:
        return {}
    out: dict[int, str] = {}
    highest = max(wanted)
    index = -1
    buffer = b""
    with handle:
        while block := handle.read(256 * 1024):
            buffer += block
            consumed = 0
            for match in _SI.finditer(buffer):
                index += 1
                consumed = match.end()
                if index in wanted:
                    text = b"".join(_T.findall(_RPH.sub(b"", match.group(1) or b"")))
                    out[index] = html.unescape(text.decode("utf-8", "replace"))
                if index >= highest:
                    return out
            buffer = buffer[consumed:]
    return out


def xlsx_header(archive: zipfile.ZipFile, part: str, name: str, scan_limit: int = 16 << 20) -> list[str]:
    """The first non-empty row of a sheet, read from the start of its XML (cheap: no full load), so a file with
    wrong columns is refused while the user waits."""
    buffer = b""
    with archive.open(part) as handle:
        while len(buffer) < scan_limit:
            block = handle.read(256 * 1024)
            buffer += block
            start = buffer.find(b"<sheetData")
            for match in _ROW.finditer(buffer, max(start, 0)):
                cells = _row_cells(match.group(1) or b"")
                if any(kind != "empty" for kind, _v in cells.values()):
                    return _resolve_header(archive, cells)
            if not block:
                break
    raise ValidationFailed(format_lazy(_("The sheet of “{name}” holds no header and no data."), name=name),
                           code="empty_file", field="file")


def _row_cells(body: bytes) -> dict[int, tuple[str, str]]:
    cells: dict[int, tuple[str, str]] = {}
    position = 0
    for attrs_raw, inner in _CELL.findall(body):
        attrs = _attrs(attrs_raw)
        ref = attrs.get("r")
        if ref:
            position = column_index(re.match(r"[A-Z]+", ref).group(0))
        kind = attrs.get("t", "n")
        inner = inner or b""
        if kind == "inlineStr":
            text = b"".join(_T.findall(_RPH.sub(b"", inner)))
            cells[position] = ("str", html.unescape(text.decode("utf-8", "replace")))
        else:
            value = _V.search(inner)
            if value is None:
                cells[position] = ("empty", "")
            elif kind == "s":
                cells[position] = ("shared", value.group(1).decode().strip())
            else:
                cells[position] = ("str", html.unescape(value.group(1).decode("utf-8", "replace")))
        position += 1
    return cells


def _resolve_header(archive: zipfile.ZipFile, cells: dict[int, tuple[str, str]]) -> list[str]:
    """The header row from column A on (positions are absolute here)."""
    wanted = {int(v) for kind, v in cells.values() if kind == "shared" and v.isdigit()}
    strings = _shared_strings(archive, wanted)
    header = [""] * (max(cells) + 1)
    for pos, (kind, value) in cells.items():
        header[pos] = strings.get(int(value), "") if kind == "shared" and value.isdigit() else value
    return header


class XlsxSource:
    file_type = "xlsx"
    encoding_label = ""

    def __init__(self, path: Path, name: str = "") -> None:
        self.path = Path(path)
        self.name = name or self.path.name
        self._workbook = None
        self._rows = None
        self.start_row = 0
        self.start_col = 0
        self.height = 0
        self._done = 0
        self._formulas: dict[int, list[tuple[int, str]]] = {}
        check_xlsx_container(self.path, self.name)  # whoever reads a workbook: the zip-bomb and DTD guard first
        try:
            with zipfile.ZipFile(self.path) as archive:
                self.sheet = choose_sheet(workbook_sheets(archive), self.name)
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise ValidationFailed(format_lazy(_("“{name}” is damaged or not an Excel workbook ({reason})."),
                                               name=self.name, reason=exc), code="corrupt_file", field="file") from exc

    def quick_header(self) -> list[str]:
        try:
            with zipfile.ZipFile(self.path) as archive:
                return xlsx_header(archive, self.sheet.part, self.name)
        except (zipfile.BadZipFile, KeyError, OSError, SyntaxError) as exc:
            raise ValidationFailed(format_lazy(_("“{name}” is damaged: not a valid .xlsx file ({reason})."),
                                               name=self.name, reason=exc), code="corrupt_file", field="file") from exc

    def open(self) -> list[Any]:
        import python_calamine

        with zipfile.ZipFile(self.path) as archive:
            self._formulas = scan_formulas(archive, self.sheet.part, self.name)
        try:
            self._workbook = python_calamine.CalamineWorkbook.from_path(str(self.path))
            sheet = self._workbook.get_sheet_by_name(self.sheet.name)
        except python_calamine.CalamineError as exc:
            raise ValidationFailed(format_lazy(_("“{name}” cannot be read: {reason}"), name=self.name, reason=exc),
                                   code="corrupt_file", field="file") from exc
        start = sheet.start or (0, 0)
        self.start_row, self.start_col = start
        self.height = sheet.height
        self._rows = enumerate(sheet.iter_rows(), start=self.start_row + 1)
        for _number, cells in self._rows:
            self._done += 1
            if not _is_blank(cells):
                return cells
        raise ValidationFailed(format_lazy(_("The sheet “{sheet}” of “{name}” is empty."), name=self.name,
                                           sheet=self.sheet.name), code="empty_file", field="file")

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        for number, cells in self._rows:
            self._done += 1
            if not _is_blank(cells):
                yield number, cells

    def formula_cells(self) -> dict[int, list[tuple[int, str]]]:
        """{row number: [(position in the row, "B7")]} (positions relative to the first used column)."""
        return {row: [(col - self.start_col, ref) for col, ref in cells] for row, cells in self._formulas.items()}

    @property
    def fraction_done(self) -> float:
        return min(self._done / self.height, 1.0) if self.height else 0.0

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None


def open_source(path: Path, file_type: str, name: str = ""):
    return XlsxSource(path, name) if file_type == "xlsx" else CsvSource(path, name)
