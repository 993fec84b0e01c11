"""The streaming xlsx writer of exports (core.spreadsheets.TextWorkbook): well-formed parts, text read back as
written by another reader (calamine), several sheets in order."""

import zipfile
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

from xueji.core.spreadsheets import TextWorkbook, column_letters


def test_text_comes_back_as_written(tmp_path):
    path = tmp_path / "t.xlsx"
    rows = [["学籍号", "姓名", "地址"], ["G3410", "A & B <c> \"d\" 'e'", "  leading and trailing  "],
            ["", None, "line\nbreak\ttab"], ["阿卜杜·热合曼", "😀", "x" * 3000]]
    book = TextWorkbook(path, width=3)
    book.add_sheet("学生")
    for row in rows:
        book.write_row(row)
    book.add_sheet("学生(2)")
    book.write_row(["second"])
    book.close()

    workbook = CalamineWorkbook.from_path(str(path))
    assert workbook.sheet_names == ["学生", "学生(2)"]
    assert workbook.get_sheet_by_name("学生").to_python() == [[cell or "" for cell in row] for row in rows]
    assert workbook.get_sheet_by_name("学生(2)").to_python() == [["second"]]


def test_control_characters_leave_the_xml_well_formed(tmp_path):
    path = tmp_path / "t.xlsx"
    book = TextWorkbook(path, width=2)
    book.add_sheet("s")
    book.write_row(["bell\x07", "nul\x00 and \x1f"])
    book.close()
    with zipfile.ZipFile(path) as archive:
        assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                "xl/styles.xml", "xl/worksheets/sheet1.xml"} <= set(archive.namelist())
        for name in archive.namelist():
            ElementTree.fromstring(archive.read(name))  # every part parses
        assert b"bell_x0007_" in archive.read("xl/worksheets/sheet1.xml")


def test_column_letters():
    letters = column_letters(703)
    assert (letters[0], letters[25], letters[26], letters[701], letters[702]) == ("A", "Z", "AA", "ZZ", "AAA")
