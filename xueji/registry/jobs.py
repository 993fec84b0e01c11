"""Long registry work run as jobs."""

import xlsxwriter

from xueji.audit.services import audit_record
from xueji.core import codes
from xueji.core.spreadsheets import safe_cell
from xueji.jobs.registry import job_handler
from xueji.registry.presenters import presenter_for
from xueji.registry.selectors import student_list
from xueji.schools.selectors import current_school_year_start

EXPORT_COLUMNS = ["学籍号", "姓名", "性别", "出生日期", "民族", "身份证件类型", "身份证件号", "学校", "年级", "班级",
                  "学籍状态"]


@job_handler("registry.export_students")
def export_students(ctx) -> dict:
    """Export the students of the user's jurisdiction (as filtered) to xlsx; audited; IDs masked by role."""
    user = ctx.job.created_by
    shown = presenter_for(user)  # the ID and the G number (G + the ID) masked alike unless the role needs them
    qs = student_list(user=user, filters=ctx.params.get("filters") or {}).order_by("school_id", "school_class_id",
                                                                                     "id")
    total = qs.count()
    year = current_school_year_start()
    path = ctx.result_path("students.xlsx")
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                               "strings_to_numbers": False})
    sheet = workbook.add_worksheet("学生")
    sheet.write_row(0, 0, EXPORT_COLUMNS)
    row = 0
    for row, student in enumerate(qs.iterator(chunk_size=2000), start=1):
        klass = student.school_class
        sheet.write_row(row, 0, [safe_cell(v) for v in (
            shown.national_number(student.national_number), student.name, codes.SEX.zh(student.sex),
            student.birth_date.isoformat(), codes.ETHNIC.zh(student.ethnic),
            codes.ID_DOC_TYPE.zh(student.id_type), shown.id_number(student.id_number), student.school.name,
            codes.GRADE.zh(klass.grade_code(year)) if klass and klass.grade_code(year) else "",
            klass.display_name if klass else "", codes.STUDENT_STATUS.zh(student.status))])
        if row % 2000 == 0:
            ctx.progress(row * 100 // max(total, 1), f"{row}/{total}")
    workbook.close()
    audit_record(actor=user, action="student.export", object_type="registry.student",
                 object_repr=f"{row} students", after={"rows": row, "filters": ctx.params.get("filters") or {},
                                                        "id_numbers": "full" if shown.full else "masked"})
    ctx.progress(100, f"exported {row} students")
    return {"rows": row}
