"""The import templates: made from the national form, readable by calamine, dropdowns on a hidden code sheet,
ID and phone columns formatted as text, and accepted back by the importer."""

import io
import re
import zipfile

import pytest
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from xueji.core.errors import Forbidden, NotFound
from xueji.exchange.readers import CsvSource, match_columns, normalise_title
from xueji.exchange.services import import_template
from xueji.registry.fields import ALL_ITEMS
from xueji.schools.models import SchoolClass


def _xml(content: bytes, part: str) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read(part).decode()


def test_xlsx_template(world, registrar, school, class_name):
    # A big school: its class list is far longer than the 255 characters a validation list may hold inline.
    for number in range(2, 42):
        SchoolClass.objects.create(school=school, stage="1", cohort_year=2020 + number % 6, number=number)
    content = import_template(actor=registrar, school=school)
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert workbook.sheet_names == ["学生信息", "填写说明", "代码表"]
    visibility = {m.name: m.visible for m in workbook.sheets_metadata}
    assert visibility["代码表"] == SheetVisibleEnum.Hidden and visibility["学生信息"] == SheetVisibleEnum.Visible
    header = workbook.get_sheet_by_name("学生信息").to_python()[0]
    assert [normalise_title(h) for h in header] == [item.title for item in ALL_ITEMS]
    assert header[ALL_ITEMS.index(next(i for i in ALL_ITEMS if i.key == "name"))] == "*姓名"  # required marked
    assert "身份证件号" in header  # optional: no mark
    # The code sheet holds the code lists and the school's classes.
    codes_sheet = workbook.get_sheet_by_name("代码表").to_python(skip_empty_area=False)
    columns = list(zip(*codes_sheet, strict=False))
    by_title = {col[0]: [v for v in col[1:] if v] for col in columns}
    assert class_name in by_title["班级"] and "2022级2班" in by_title["班级"] and len(by_title["班级"]) == 41
    assert len(",".join(by_title["班级"])) > 255
    ethnic = next(values for title, values in by_title.items() if title.startswith("民族"))
    assert ethnic[:2] == ["汉族", "蒙古族"] and len(ethnic) == 58
    # Dropdowns refer to the hidden sheet.
    sheet_xml = _xml(content, "xl/worksheets/sheet1.xml")
    formulas = re.findall(r"<formula1>(.*?)</formula1>", sheet_xml)
    assert len(formulas) == sum(1 for i in ALL_ITEMS if i.table is not None) + 1
    assert all(f.startswith("'代码表'!$") for f in formulas)
    class_col = ALL_ITEMS.index(next(i for i in ALL_ITEMS if i.key == "class_name"))
    assert 'sqref="A2:A1048576"' in sheet_xml and class_col == 0
    # Every column, ID and phone included, is formatted as text ("@", built-in number format 49).
    styles = _xml(content, "xl/styles.xml")
    xfs = re.findall(r"<xf [^>]*>", styles.split("<cellXfs")[1].split("</cellXfs>")[0])
    col_styles = {}
    for low, high, style in re.findall(r'<col min="(\d+)" max="(\d+)"[^>]*?style="(\d+)"', sheet_xml):
        for col in range(int(low), int(high) + 1):
            col_styles[col] = int(style)
    assert sorted(col_styles) == list(range(1, len(ALL_ITEMS) + 1))
    for key in ("id_number", "phone", "guardian1.id_number", "postcode", "birth_date"):
        col = ALL_ITEMS.index(next(i for i in ALL_ITEMS if i.key == key)) + 1
        assert 'numFmtId="49"' in xfs[col_styles[col]], key
    # Instructions in Chinese.
    help_rows = workbook.get_sheet_by_name("填写说明").to_python()
    assert "填写说明" in help_rows[0][0]
    assert any("文本" in str(row[0]) for row in help_rows)


def test_csv_template_is_accepted_back(world, registrar, school, tmp_path):
    content = import_template(actor=registrar, school=school, fmt="csv")
    assert content.startswith(b"\xef\xbb\xbf")
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    source = CsvSource(path)
    columns = match_columns(source.open())
    assert [item.key for _p, item in columns.items] == [item.key for item in ALL_ITEMS]
    assert source.encoding == "utf-8-sig"


def test_only_the_schools_registrar_gets_the_template(world, school):
    with pytest.raises(Forbidden):
        import_template(actor=world.user("tunxi", "registrar"), school=school)
    with pytest.raises(Forbidden):
        import_template(actor=world.user("tunxi_primary", "leader"), school=school)
    with pytest.raises(NotFound):
        import_template(actor=world.user("shexian_primary", "registrar"), school=school)
