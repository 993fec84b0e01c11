"""Excel files of the reports app (xlsxwriter; every cell through core.spreadsheets.safe_cell)."""

import io

import xlsxwriter

from xueji.core.spreadsheets import safe_cell


def workbook(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    """An xlsx of (sheet name, header, rows) sheets; numbers stay numbers, text is escaped."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    for name, header, rows in sheets:
        sheet = book.add_worksheet(name[:31].replace("/", "-").replace("?", "").replace("*", "")
                                   .replace("[", "(").replace("]", ")").replace(":", " "))
        sheet.write_row(0, 0, [safe_cell(str(h)) for h in header], bold)
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row):
                if isinstance(value, int | float):
                    sheet.write_number(i, j, value)
                else:
                    sheet.write_string(i, j, str(safe_cell("" if value is None else str(value))))
        sheet.set_column(0, 0, 24)
    book.close()
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
