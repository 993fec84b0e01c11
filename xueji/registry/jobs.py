"""Long registry work run as jobs: the export of pupils.

The export reads rows, not model objects: one query over the jurisdiction (as filtered) through a server-side
cursor, the columns the file shows and nothing else, each code turned into its name by a dict lookup and each
personal item through the viewer's presenter; the sheets are written by core.spreadsheets.TextWorkbook (inline
text straight into the zip: xlsxwriter's work per cell was most of the time). xlsx holds at most 1,048,576 rows
per sheet: past that the rows go on in a next sheet (学生(2), ...) of the same file, never cut; the job's result,
the file and the audit row give the same count.

Every file carries the watermark of jobs.exportfiles (who, unit, time, trace code: visible on its own sheet and in
every sheet's print header, embedded in the document properties); when the province requires it (the export's
`encrypt` parameter, set at the start from policy by exchange.exports) the file is delivered as an AES-256 zip."""

import datetime as dt

from django.db import connection

from xueji.audit.services import audit_record
from xueji.core import codes
from xueji.core.sealing import unseal
from xueji.core.spreadsheets import TextWorkbook, safe_cell
from xueji.jobs.exportfiles import encrypt_result, watermark_for
from xueji.jobs.registry import job_handler
from xueji.registry.models import Student
from xueji.registry.presenters import presenter_for_export
from xueji.registry.selectors import student_list
from xueji.schools.selectors import current_school_year_start

EXPORT_COLUMNS = ["学籍号", "姓名", "性别", "出生日期", "民族", "身份证件类型", "身份证件号", "学校", "年级", "班级",
                  "学籍状态"]
# What the export reads of each pupil (joined, in one query).
_FIELDS = ("national_number", "name", "sex", "birth_date", "ethnic", "id_type", "id_number", "school__name",
           "school_class__stage", "school_class__cohort_year", "school_class__number", "school_class__name", "status",
           "school__year_start")
SHEET_ROWS = 1_048_575  # xlsx's limit (1,048,576 rows) less the header row
SHEET_NAME = "学生"
CHUNK = 5000


def _names(table: codes.CodeTable) -> dict[str, str]:
    return {code: zh for code, zh, _en in table}


class _Sheets:
    """Rows into as many sheets as they need, each with the header."""

    def __init__(self, workbook: TextWorkbook, limit: int) -> None:
        self.workbook, self.limit = workbook, limit
        self.count, self.sheets, self.row = 0, 0, limit

    def write(self, values: list) -> None:
        if self.row >= self.limit:
            self._sheet()
        self.row += 1
        self.count += 1
        self.workbook.write_row(values)

    def _sheet(self) -> None:
        self.sheets += 1
        self.workbook.add_sheet(SHEET_NAME if self.sheets == 1 else f"{SHEET_NAME}({self.sheets})")
        self.workbook.write_row(EXPORT_COLUMNS)
        self.row = 0

    def close(self) -> None:
        if not self.sheets:  # nothing to export: the header alone
            self._sheet()
        self.workbook.close()


def _rows(qs):
    """The query's rows through a server-side cursor (PostgreSQL; chunks elsewhere), without Django's per-row
    work: every column is text, a number or a date the database gives as it is."""
    sql, params = qs.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


@job_handler("registry.export_students")
def export_students(ctx) -> dict:
    """Export the students of the user's jurisdiction (as filtered) to xlsx; audited; IDs masked by role."""
    user = ctx.job.created_by
    # An audited export under its own controls (watermark, trace code, export.full_id_approval): the ID and the G
    # number (G + the ID) in full for the ID right, masked alike otherwise (registry.presenters).
    shown = presenter_for_export(user)
    filters = ctx.params.get("filters") or {}
    qs = student_list(user=user, filters=filters).order_by("school_id", "school_class_id", "id")
    total = qs.count()
    year = current_school_year_start()
    sex, ethnic, id_type, status = (_names(t) for t in (codes.SEX, codes.ETHNIC, codes.ID_DOC_TYPE,
                                                        codes.STUDENT_STATUS))
    grades = _names(codes.GRADE)
    path = ctx.result_path("students.xlsx")
    mark = watermark_for(ctx.job)
    sheets = _Sheets(TextWorkbook(path, width=len(EXPORT_COLUMNS), watermark=mark), SHEET_ROWS)
    national_number, id_number = shown.national_number, shown.id_number
    id_aad = Student._meta.get_field("id_number").aad  # the raw rows hold it sealed
    placed: dict[tuple, tuple[str, str]] = {}  # (stage, cohort, number, name, year) -> grade, class: by class
    schools: dict[str, str] = {}
    write = sheets.write
    for (number, name, sx, birth, eth, idt, idn, school, stage, cohort, class_no, class_name,
         st, own_year) in _rows(qs.values_list(*_FIELDS)):
        # A school's own year in effect (the promotion advances it school by school) or the current one.
        key = (stage, cohort, class_no, class_name, own_year)
        place = placed.get(key)
        if place is None:
            grade = klass = ""
            if stage:
                code = codes.grade_code(stage, (own_year or year) - cohort + 1)
                grade = grades.get(code, "") if code else ""
                klass = safe_cell(class_name or f"{cohort}级{class_no}班")
            place = placed[key] = (grade, klass)
        school_name = schools.get(school)
        if school_name is None:
            school_name = schools[school] = safe_cell(school)
        if type(birth) is str:  # SQLite gives dates as text
            birth = dt.date.fromisoformat(birth)
        write([national_number(number), safe_cell(name), sex.get(sx, sx), birth.isoformat(), ethnic.get(eth, eth),
               id_type.get(idt, idt), id_number(unseal(idn, id_aad)), school_name, place[0], place[1],
               status.get(st, st)])
        if sheets.count % 20000 == 0:
            ctx.progress(sheets.count * 100 // max(total, 1), f"{sheets.count}/{total}")
            if len(placed) > 100_000:
                placed.clear()
    sheets.close()
    encrypted = bool(ctx.params.get("encrypt"))
    if encrypted:
        encrypt_result(ctx.job, path)
    rows = sheets.count
    audit_record(actor=user, action="student.export", object_type="registry.student",
                 object_repr=f"{rows} students", after={"rows": rows, "sheets": sheets.sheets, "filters": filters,
                                                         "id_numbers": "full" if shown.full else "masked",
                                                         "trace": mark.trace, "encrypted": encrypted,
                                                         "request": ctx.params.get("request")})
    ctx.progress(100, f"exported {rows} students")
    return {"rows": rows, "sheets": sheets.sheets}
