"""Reading files: encodings (UTF-8 with or without BOM, GB18030/GBK, UTF-16), columns matched by title in any
order, wrong or missing columns refusing the whole file with a precise message."""

import pytest

from xueji.core.errors import ValidationFailed
from xueji.exchange.models import ImportBatch
from xueji.exchange.readers import CsvSource, column_index, column_letter
from xueji.exchange.services import import_start
from xueji.exchange.tests.conftest import csv_bytes, pupil, titles, upload, xlsx_bytes
from xueji.exchange.tests.test_pipeline import errors_by_row, run
from xueji.registry.fields import ALL_ITEMS
from xueji.registry.models import Student


def _read(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    source = CsvSource(path)
    header = source.open()
    rows = list(source.rows())
    source.close()
    return source.encoding, header, rows


@pytest.mark.parametrize("encoding,bom,expected", [("utf-8", False, "utf-8"), ("utf-8", True, "utf-8-sig"),
                                                   ("gb18030", False, "gb18030"), ("gbk", False, "gb18030")])
def test_csv_encodings_read_the_same(tmp_path, encoding, bom, expected):
    rows = [pupil(n, name=name) for n, name in enumerate(["欧阳娜娜", "曾小贤", "单田芳", "覃海洋"])]
    reference = _read(tmp_path, "ref.csv", csv_bytes(rows))
    found, header, parsed = _read(tmp_path, "x.csv", csv_bytes(rows, encoding=encoding, bom=bom))
    assert found == expected
    assert (header, parsed) == reference[1:]
    assert parsed[0][1][1] == "欧阳娜娜"


def test_gb18030_only_characters_and_utf16(tmp_path):
    rows = [pupil(1, name="王䶮")]  # 䶮 (U+4DAE) is in GB18030 but not in GBK
    found, _header, parsed = _read(tmp_path, "x.csv", csv_bytes(rows, encoding="gb18030"))
    assert found == "gb18030" and parsed[0][1][1] == "王䶮"
    found, _header, parsed = _read(tmp_path, "x.txt", csv_bytes(rows, encoding="utf-16", delimiter="\t"))
    assert found == "utf-16" and parsed[0][1][1] == "王䶮"


def test_undecodable_file_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("姓名\n".encode() + b"\x81\x20\xff\xfe\x80")
    with pytest.raises(ValidationFailed) as excinfo:
        CsvSource(path, "bad.csv")
    assert excinfo.value.code == "bad_encoding" and "UTF-8" in excinfo.value.message


@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("gb18030", False)])
def test_each_encoding_imports_the_same_pupils(world, media, registrar, school, class_name, encoding, bom):
    rows = [pupil(n, class_name=class_name) for n in range(5)]
    batch = run(registrar, school, "学生.csv", csv_bytes(rows, encoding=encoding, bom=bom))
    assert (batch.valid_rows, batch.invalid_rows) == (5, 0), batch.failure
    stored = dict(Student.objects.filter(id_number__in=[r["id_number"] for r in rows]).values_list("id_number",
                                                                                                   "name"))
    assert stored == {r["id_number"]: r["name"] for r in rows}
    assert batch.encoding == {"utf-8": "UTF-8", "gb18030": "GB18030"}[encoding] + (" (BOM)" if bom else "")


def test_columns_in_any_order_and_extra_columns_reported(world, media, registrar, school, class_name):
    keys = [item.key for item in ALL_ITEMS][::-1]
    rows = [pupil(n, class_name=class_name) for n in range(3)]
    header = titles(keys) + ["备注"]
    content = csv_bytes(rows, keys=keys + ["note"], header=header)
    batch = run(registrar, school, "学生.csv", content)
    assert batch.valid_rows == 3
    letter = column_letter(len(keys))
    assert batch.warnings == [f"以下列不是导入模板中的列，已忽略：“备注”（{letter} 列）"]


def test_titles_match_without_the_required_mark(world, media, registrar, school, class_name):
    header = [t.lstrip("*") + (" (必填)" if t.startswith("*") else "") for t in titles()]
    batch = run(registrar, school, "学生.csv", csv_bytes([pupil(1, class_name=class_name)], header=header))
    assert batch.valid_rows == 1


@pytest.mark.parametrize("maker", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_missing_or_wrong_columns_refuse_the_whole_file(world, media, registrar, school, class_name, maker):
    keys = [item.key for item in ALL_ITEMS if item.key not in ("sex", "health")]
    header = titles(keys)
    header[header.index("*民族")] = "民 族 名"
    name = "学生.csv" if maker is csv_bytes else "学生.xlsx"
    with pytest.raises(ValidationFailed) as excinfo:
        import_start(actor=registrar, school=school,
                     upload=upload(name, maker([pupil(1, class_name=class_name)], keys=keys, header=header)))
    error = excinfo.value
    assert error.code == "wrong_columns"
    assert "缺少必填列：“性别”、“民族”、“健康状况”" in error.message
    letter = column_letter(header.index("民 族 名"))
    assert f"未识别的列：“民 族 名”（{letter} 列）" in error.message
    assert error.details["missing"] == ["性别", "民族", "健康状况"]
    assert not ImportBatch.objects.exists() and not Student.objects.filter(reg_status="draft").exists()


def test_a_column_twice_is_refused(world, media, registrar, school, class_name):
    keys = [item.key for item in ALL_ITEMS] + ["name"]
    with pytest.raises(ValidationFailed) as excinfo:
        import_start(actor=registrar, school=school,
                     upload=upload("x.csv", csv_bytes([pupil(1, class_name=class_name)], keys=keys)))
    assert "列重复：“姓名”（B 列和" in excinfo.value.message


def test_empty_rows_are_skipped_and_row_numbers_follow_the_file(world, media, registrar, school, class_name):
    bad = pupil(2, class_name=class_name, ethnic="X族")
    content = csv_bytes([pupil(1, class_name=class_name), {}, {}, bad])
    batch = run(registrar, school, "学生.csv", content)
    assert (batch.total_rows, batch.valid_rows, batch.invalid_rows) == (2, 1, 1)
    assert list(errors_by_row(batch)) == [5]


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]
    assert all(column_index(column_letter(i)) == i for i in range(2000))


def test_a_file_with_only_the_header_fails_with_the_reason(world, media, registrar, school):
    batch = run(registrar, school, "学生.csv", csv_bytes([]))
    assert batch.status == "failed" and batch.failure == "“学生.csv”只有列标题，没有学生数据。"
