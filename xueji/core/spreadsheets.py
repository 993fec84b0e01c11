"""Safe spreadsheet writing: cells that start with = + - @ (or a tab or carriage return) are escaped with a
leading apostrophe so Excel, WPS and LibreOffice never run them as formulas (CSV injection). Every writer of an
export or report, xlsx or CSV, goes through `safe_cell` / `safe_row` / `csv_writer`."""

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


class SafeCsvWriter:
    """csv.writer whose every cell is escaped (the same interface: writerow, writerows)."""

    def __init__(self, fh: IO[str], **kwargs: Any) -> None:
        self._writer = csv.writer(fh, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        self._writer.writerows(safe_row(row) for row in rows)


def csv_writer(fh: IO[str], **kwargs: Any) -> SafeCsvWriter:
    return SafeCsvWriter(fh, **kwargs)


# A streaming xlsx writer for text tables ----------------------------------------------------------------------
# xlsxwriter spends about 7 µs a cell (a million pupils: 11 million cells, over a minute of CPU). An export is a
# table of text; its sheets are written here as the XML of inline strings straight into the zip (deflate level
# 1), a few µs a row. Callers pass rows through `safe_cell` as for any other writer.

_XML_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# XML 1.0 holds no control characters but tab and newline: Excel's own escape for the others is _xHHHH_.
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "_x000D_",
                           **{chr(c): f"_x{c:04X}_" for c in range(32) if c not in (9, 10, 13)}})
_XML_SPECIAL = re.compile("[&<>\x00-\x20]")  # what needs escaping, and blanks (kept only when marked)
_BLANKS = " \t\n"
_STYLES = (f'<styleSheet xmlns="{_XML_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
           '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def column_letters(count: int) -> list[str]:
    letters = []
    for n in range(1, count + 1):
        name = ""
        while n:
            n, rest = divmod(n - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


class TextWorkbook:
    """An xlsx of text cells, written one sheet after the other as rows come (constant memory)."""

    HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_XML_NS}" xmlns:r="{_REL_NS}"><sheetData>')
    TAIL = "</sheetData></worksheet>"

    def __init__(self, path, *, width: int) -> None:
        import zipfile

        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self.names: list[str] = []
        self.handle = None
        self.row = 0
        self.width = width
        self.pending: list[str] = []

    def add_sheet(self, name: str) -> None:
        self._close_sheet()
        self.names.append(name)
        self.handle = self.zip.open(f"xl/worksheets/sheet{len(self.names)}.xml", "w", force_zip64=True)
        self.handle.write(self.HEAD.encode())
        self.row = 0

    # Cells follow one another from column A (a cell's reference is optional in SpreadsheetML; the row's is kept).
    _OPEN, _NEXT, _CLOSE = '<c t="inlineStr"><is><t>', "</t></is></c><c t=\"inlineStr\"><is><t>", "</t></is></c>"

    def write_row(self, values) -> None:
        """One row of text (None is an empty cell), after the sheet's last."""
        self.row += 1
        texts = ["" if value is None else (value if type(value) is str else str(value)) for value in values]
        texts = texts[:self.width]
        if not _XML_SPECIAL.search("".join(texts)):  # the common row: nothing to escape, no blank to keep
            self.pending.append(f'<row r="{self.row}">{self._OPEN}{self._NEXT.join(texts)}{self._CLOSE}</row>'
                                if texts else f'<row r="{self.row}"/>')
        else:
            cells = []
            for text in texts:
                text = text.translate(_XML_TEXT)
                keep = ' xml:space="preserve"' if text and (text[0] in _BLANKS or text[-1] in _BLANKS) else ""
                cells.append(f'<c t="inlineStr"><is><t{keep}>{text}</t></is></c>')
            self.pending.append(f'<row r="{self.row}">{"".join(cells)}</row>')
        if len(self.pending) >= 2000:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.handle.write("".join(self.pending).encode())
            self.pending.clear()

    def _close_sheet(self) -> None:
        if self.handle is not None:
            self._flush()
            self.handle.write(self.TAIL.encode())
            self.handle.close()
            self.handle = None

    def close(self) -> None:
        self._close_sheet()
        sheets = "".join(f'<sheet name="{name.translate(_XML_TEXT)}" sheetId="{n}" r:id="rId{n}"/>'
                         for n, name in enumerate(self.names, start=1))
        count = len(self.names)
        rels = "".join(f'<Relationship Id="rId{n}" Type="{_DOC_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                       for n in range(1, count + 1))
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                            f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                            for n in range(1, count + 1))
        head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        self.zip.writestr("[Content_Types].xml", head + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{overrides}</Types>'))
        self.zip.writestr("_rels/.rels", head + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        self.zip.writestr("xl/workbook.xml", head + (
            f'<workbook xmlns="{_XML_NS}" xmlns:r="{_REL_NS}"><sheets>{sheets}</sheets></workbook>'))
        self.zip.writestr("xl/_rels/workbook.xml.rels", head + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{rels}<Relationship Id="rId{count + 1}" Type="{_DOC_REL}/styles" Target="styles.xml"/>'
            '</Relationships>'))
        self.zip.writestr("xl/styles.xml", head + _STYLES)
        self.zip.close()
