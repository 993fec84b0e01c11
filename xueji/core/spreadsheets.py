"""Safe spreadsheet writing: cells that start with = + - @ (or a tab or carriage return) are escaped with a
leading apostrophe so Excel, WPS and LibreOffice never run them as formulas (CSV injection). Every writer of an
export or report, xlsx or CSV, goes through `safe_cell` / `safe_row` / `csv_writer`."""

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")


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

    def __init__(self, path, *, width: int, watermark: "Watermark | None" = None) -> None:
        import zipfile

        self.watermark = watermark
        if watermark is not None:  # every sheet's print header and footer carry the visible mark
            self.TAIL = f"</sheetData>{watermark.header_footer()}</worksheet>"

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
        if self.watermark is not None:  # the visible mark's own sheet, last (the data sheets keep their places)
            self.add_sheet(self.watermark.sheet)
            for line in self.watermark.lines():
                self.write_row([line])
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
        props, props_rels = "", ""
        if self.watermark is not None:  # the embedded mark: the core and custom document properties
            self.zip.writestr("docProps/core.xml", head + self.watermark.core_xml())
            self.zip.writestr("docProps/custom.xml", head + self.watermark.custom_xml())
            props = ('<Override PartName="/docProps/core.xml" ContentType="application/'
                     'vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/custom.xml" '
                     'ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>')
            props_rels = ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
                          'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
                          f'<Relationship Id="rId3" Type="{_DOC_REL}/custom-properties" Target="docProps/custom.xml"/>')
        self.zip.writestr("[Content_Types].xml", head + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{overrides}{props}</Types>'))
        self.zip.writestr("_rels/.rels", head + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_DOC_REL}/officeDocument" Target="xl/workbook.xml"/>{props_rels}'
            '</Relationships>'))
        self.zip.writestr("xl/workbook.xml", head + (
            f'<workbook xmlns="{_XML_NS}" xmlns:r="{_REL_NS}"><sheets>{sheets}</sheets></workbook>'))
        self.zip.writestr("xl/_rels/workbook.xml.rels", head + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{rels}<Relationship Id="rId{count + 1}" Type="{_DOC_REL}/styles" Target="styles.xml"/>'
            '</Relationships>'))
        self.zip.writestr("xl/styles.xml", head + _STYLES)
        self.zip.close()


# The watermark of an export (issue 11 item 8) -----------------------------------------------------------------
_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def _xml(text: str) -> str:
    return str(text).translate(_XML_TEXT).replace('"', "&quot;")


class Watermark:
    """Who exported, for which unit, when, and the trace code that leads back to the export (and through its
    audited downloads to each reader). Visible: every sheet's print header and footer, and a sheet of its own;
    embedded: the document's core properties (author, description) and a custom property `xueji_trace`."""

    sheet = "导出说明"
    TRACE_PROPERTY = "xueji_trace"

    def __init__(self, *, user: str, unit: str, time: str, trace: str) -> None:
        self.user, self.unit, self.time, self.trace = user, unit, time, trace

    def text(self) -> str:
        return f"导出人：{self.user}　单位：{self.unit}　时间：{self.time}　追踪码：{self.trace}"

    def lines(self) -> list[str]:
        return ["本文件含学生个人信息，仅限工作使用，不得外传；文件带有可追溯的水印。", f"导出人：{self.user}",
                f"单位：{self.unit}", f"导出时间：{self.time}", f"追踪码：{self.trace}"]

    def header_footer(self) -> str:
        # & starts a header code in SpreadsheetML (&L left, &R right): the texts' own & are doubled.
        text = _xml(self.text().replace("&", "&&"))
        return (f"<headerFooter><oddHeader>&amp;L{text}</oddHeader>"
                f"<oddFooter>&amp;L{_xml(self.trace)}&amp;R&amp;P/&amp;N</oddFooter></headerFooter>")

    def core_xml(self) -> str:
        return ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
                'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                f"<dc:creator>{_xml(self.user)}</dc:creator><dc:description>{_xml(self.text())}</dc:description>"
                f"<cp:keywords>{_xml(self.trace)}</cp:keywords></cp:coreProperties>")

    def custom_xml(self) -> str:
        props = {self.TRACE_PROPERTY: self.trace, "xueji_user": self.user, "xueji_unit": self.unit,
                 "xueji_time": self.time}
        body = "".join(f'<property fmtid="{_FMTID}" pid="{n}" name="{name}"><vt:lpwstr>{_xml(value)}</vt:lpwstr>'
                       "</property>" for n, (name, value) in enumerate(props.items(), start=2))
        return f'<Properties xmlns="{_CUSTOM_NS}" xmlns:vt="{_VT_NS}">{body}</Properties>'


_PROPERTY = re.compile(r'<property\b[^>]*\bname="([^"]*)"[^>]*>\s*<vt:lpwstr>([^<]*)</vt:lpwstr>')
MAX_PROPERTIES_BYTES = 1024 * 1024


def read_custom_properties(zf) -> dict[str, str]:
    """The custom document properties of an open xlsx (a zipfile.ZipFile): {name: text}. The file may be a leaked
    copy from anywhere: the part is size-checked and read by a pattern, never by an XML parser (no entities)."""
    import html

    try:
        info = zf.getinfo("docProps/custom.xml")
    except KeyError:
        return {}
    if info.file_size > MAX_PROPERTIES_BYTES:
        return {}
    text = zf.read(info).decode("utf-8", "replace")
    return {html.unescape(name): html.unescape(value) for name, value in _PROPERTY.findall(text)}
