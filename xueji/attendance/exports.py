"""The eligibility lists' export (营养改善计划, 资助) for the funds' own systems: an xlsx of text cells (the streaming
writer of xueji/core/spreadsheets.py, every cell escaped), ID numbers masked unless the user holds the capability,
each export audited with its row count."""

import io

from django.utils.translation import gettext as _

from xueji.attendance import selectors
from xueji.audit.services import audit_record
from xueji.core import codes
from xueji.core.spreadsheets import TextWorkbook, safe_row
from xueji.registry.presenters import presenter_for_export

MAX_ROWS = 200_000  # a city's roll; a province exports county by county (the filter), or through a job later

HEADER = ("学籍号", "姓名", "性别", "出生日期", "身份证件号", "学校代码", "学校", "班级", "资助条件")


def _conditions(student) -> str:
    detail = getattr(student, "detail", None)
    if detail is None:
        return ""
    words = [(detail.needs_aid, "需要资助"), (detail.boarding_subsidy, "享受一补"), (detail.is_orphan, "孤儿"),
             (detail.is_martyr_child, "烈士或优抚子女"), (detail.disability not in ("", "0"), "残疾")]
    return "、".join(word for flag, word in words if flag)


def eligibility_export(*, actor, programme: str, county: str | None = None) -> tuple[bytes, int]:
    """The list as xlsx bytes and its row count."""
    rows = selectors.eligibility_list(user=actor, programme=programme)
    if county:
        rows = rows.filter(school__county_id=county)
    shown = presenter_for_export(actor)  # an audited export of the aid lists: full IDs for the ID right
    out = io.BytesIO()
    book = TextWorkbook(out, width=len(HEADER))
    book.add_sheet(_("Nutrition programme") if programme == "nutrition" else _("Student aid"))
    book.write_row(HEADER)
    count = 0
    for student in rows.order_by("school_id", "school_class_id", "id")[:MAX_ROWS].iterator(chunk_size=2000):
        count += 1
        klass = student.school_class
        book.write_row(safe_row([shown.national_number(student.national_number), student.name,
                                 codes.SEX.label(student.sex), f"{student.birth_date:%Y-%m-%d}",
                                 shown.id_number(student.id_number), student.school.code, student.school.name,
                                 klass.display_name if klass else "", _conditions(student)]))
    book.close()
    audit_record(actor=actor, action="attendance.eligibility_export", object_type="attendance.eligibility",
                 object_repr=programme, org_unit=actor.org_unit,
                 after={"programme": programme, "rows": count, "full_ids": shown.full, "county": county or ""})
    return out.getvalue(), count
