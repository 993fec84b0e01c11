"""The import pipeline end to end (small files): what is written, what is reported, and how precisely."""

import datetime as dt

import pytest
from python_calamine import CalamineWorkbook

from xueji.audit.models import AuditEvent
from xueji.core import clock, idnumbers
from xueji.exchange import pipeline
from xueji.exchange.models import ImportBatch, ImportStatus
from xueji.exchange.services import import_start
from xueji.exchange.tests.conftest import csv_bytes, pupil, upload, xlsx_bytes
from xueji.jobs.models import Job, JobStatus
from xueji.jobs.services import job_run
from xueji.registry.models import FamilyMember, RegStatus, Student, StudentDetail


def run(registrar, school, name, content, **kwargs) -> ImportBatch:
    batch = import_start(actor=registrar, school=school, upload=upload(name, content), **kwargs)
    job_run(batch.job_id)
    batch.refresh_from_db()
    return batch


def report_lines(batch) -> list[list]:
    from django.conf import settings

    workbook = CalamineWorkbook.from_path(str(settings.MEDIA_ROOT / batch.error_report))
    rows = workbook.get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["行号", "列", "错误原因"]
    return rows[1:]


def errors_by_row(batch) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    for line in report_lines(batch):
        out.setdefault(int(line[0]), []).append((line[1], line[2]))
    return out


def test_valid_rows_become_drafts_of_the_school(world, media, registrar, school, class_name):
    rows = [pupil(n, class_name=class_name) for n in range(30)]
    batch = run(registrar, school, "学生.csv", csv_bytes(rows))
    assert batch.status == ImportStatus.SUCCEEDED, batch.failure
    assert (batch.total_rows, batch.valid_rows, batch.invalid_rows, batch.duplicate_rows,
            batch.already_imported_rows) == (30, 30, 0, 0, 0)
    assert not batch.error_report and batch.error_count == 0
    students = Student.objects.filter(school=school, reg_status=RegStatus.DRAFT).exclude(
        pk=world.students["tunxi_primary"].pk)
    assert students.count() == 30
    first = students.get(id_number=rows[0]["id_number"])
    assert first.school_class == world.classes["tunxi_primary"] and first.province_code == "340000"
    assert first.sex == "1" and first.ethnic == "01" and first.id_type == "1" and first.hukou_nature == "2"
    assert first.name_pinyin and first.entry_date == dt.date(2022, 9, 1)
    assert StudentDetail.objects.get(student=first).postcode == "245000"
    family = list(FamilyMember.objects.filter(student=first).order_by("relation"))
    assert [(m.relation, m.name) for m in family] == [("51", "张建国"), ("52", "李秀英")]
    job = Job.objects.get(pk=batch.job_id)
    assert job.status == JobStatus.SUCCEEDED and job.progress == 100
    assert batch.timings["wall_s"] >= 0 and batch.timings["rows_per_s"]
    # One audit event for the batch, not one per row.
    events = AuditEvent.objects.filter(action="student.import")
    assert events.count() == 1 and events.get().after["valid_rows"] == 30
    # The set-based import gave each new pupil its record MAC (SECURITY.md row 23: registry/integrity.py).
    from xueji.registry import integrity

    assert integrity.verify().mismatched == [] and integrity.verify().checked == students.count() + len(world.students)


def test_each_error_is_reported_with_row_column_and_reason(world, media, registrar, school, class_name):
    today = clock.today()
    good = pupil(1, class_name=class_name)
    bad_check = pupil(2, class_name=class_name)
    bad_check["id_number"] = bad_check["id_number"][:17] + ("0" if bad_check["id_number"][17] != "0" else "1")
    future = pupil(3, class_name=class_name, birth_date=(today + dt.timedelta(days=30)).isoformat())
    unknown_code = pupil(4, class_name=class_name, ethnic="火星族", health="99")
    disagree = pupil(5, class_name=class_name)
    disagree["birth_date"] = "2015-02-03"
    disagree["sex"] = "女" if disagree["sex"] == "男" else "男"
    no_id = pupil(6, class_name=class_name, id_type="其他", id_number="")
    no_id["guardian1.id_number"] = ""
    wrong_class = pupil(7, class_name="2099级9班")
    formula_text = pupil(8, class_name=class_name, address="=HYPERLINK(\"http://x\")")
    rows = [good, bad_check, future, unknown_code, disagree, no_id, wrong_class, formula_text]
    batch = run(registrar, school, "学生.csv", csv_bytes(rows))
    assert batch.status == ImportStatus.SUCCEEDED
    assert (batch.total_rows, batch.valid_rows, batch.invalid_rows) == (8, 1, 7)
    errors = errors_by_row(batch)
    assert set(errors) == {3, 4, 5, 6, 7, 8, 9}  # row 1 is the header; the good pupil is row 2
    (column, reason), = errors[3]
    assert column == "身份证件号" and "校验位错误" in reason and bad_check["id_number"] in reason
    assert ("出生日期", f"日期 {future['birth_date']} 晚于今天") in errors[4]
    assert ("民族", "“火星族”不是有效的代码（GB/T 3304）") in errors[5]
    assert any(c == "健康状况" and "“99”不是有效的代码" in r for c, r in errors[5])
    columns = {c for c, _r in errors[6]}
    assert columns == {"出生日期", "性别"}
    assert any("与身份证件号中的出生日期" in r for _c, r in errors[6])
    assert errors[7] == [("成员1身份证件号", "学生无居民身份证号时，须填写监护人的姓名和身份证件号")]
    assert errors[8][0][0] == "班级" and "“2099级9班”不是本校的班级" in errors[8][0][1]
    assert class_name in errors[8][0][1]  # the school's classes are listed
    assert errors[9] == [("现住址", "内容以“=”开头，疑似公式，请填写纯文本")]
    # The report carries the original row, escaped so nothing in it becomes a formula.
    line = next(line for line in report_lines(batch) if int(line[0]) == 9)
    assert "'=HYPERLINK(\"http://x\")" in line
    assert Student.objects.filter(id_number=good["id_number"]).exists()
    assert not Student.objects.filter(name=bad_check["name"], school=school).exclude(
        id_number=good["id_number"]).filter(id_number=bad_check["id_number"]).exists()


def test_formula_cells_and_numbers_excel_mangled_are_reported(world, media, registrar, school, class_name):
    rows = [pupil(n, class_name=class_name) for n in range(4)]
    content = xlsx_bytes(rows, formulas={(1, "phone"): "=\"139\"&\"00000001\"", (2, "address"): "=A1"},
                         numbers={(3, "id_number"): float(rows[3]["id_number"][:17] + "0")})
    batch = run(registrar, school, "学生.xlsx", content)
    assert batch.status == ImportStatus.SUCCEEDED, batch.failure
    assert (batch.valid_rows, batch.invalid_rows) == (1, 3)
    errors = errors_by_row(batch)
    # Cell references follow the template's column order (联系电话 is column AC, 现住址 column Z).
    assert len(errors[3]) == 1 and errors[3][0][0] == "联系电话"
    assert errors[3][0][1] == "单元格 AC3 是公式，导入只接受数值：请复制后“选择性粘贴为数值”再导入"
    assert errors[4][0][0] == "现住址" and "单元格 Z4 是公式" in errors[4][0][1]
    assert errors[5] == [("身份证件号", errors[5][0][1])] and "存成了数字" in errors[5][0][1]


def test_duplicates_inside_the_file_and_against_existing_records(world, media, registrar, school, class_name):
    existing_here = world.students["tunxi_primary"]
    existing_elsewhere = world.students["shexian_primary"]
    a = pupil(1, class_name=class_name)
    twin = pupil(2, class_name=class_name, id_number=a["id_number"], birth_date=a["birth_date"], sex=a["sex"])
    no_id = pupil(3, class_name=class_name, id_type="其他", id_number="")
    no_id_again = dict(no_id)
    elsewhere = pupil(4, class_name=class_name, id_number=existing_elsewhere.id_number,
                      birth_date=existing_elsewhere.birth_date.isoformat(), sex="男")
    here = pupil(5, class_name=class_name, id_number=existing_here.id_number,
                 birth_date=existing_here.birth_date.isoformat(), sex="男")
    batch = run(registrar, school, "学生.csv", csv_bytes([a, twin, no_id, no_id_again, elsewhere, here]))
    assert (batch.total_rows, batch.valid_rows, batch.invalid_rows, batch.duplicate_rows,
            batch.already_imported_rows) == (6, 2, 0, 3, 1)
    errors = errors_by_row(batch)
    assert errors[3] == [("身份证件号", "身份证件号与第 2 行重复")]
    assert errors[5] == [("姓名", "与第 4 行的姓名、性别、出生日期相同，且都没有身份证件号")]
    (column, reason), = errors[6]
    assert column == "身份证件号" and "shexian_primary" in reason and "学*" in reason
    assert existing_elsewhere.name not in reason  # the other school's pupil is masked
    assert 7 not in errors  # the pupil already in this school counts as already imported
    assert Student.objects.filter(id_number=a["id_number"]).count() == 1


def test_reuploading_the_corrected_file_creates_no_duplicate(world, media, registrar, school, class_name):
    rows = [pupil(n, class_name=class_name) for n in range(10)]
    rows[4]["ethnic"] = "未知族"
    no_id = pupil(20, class_name=class_name, id_type="其他", id_number="")
    rows.append(no_id)
    first = run(registrar, school, "学生.csv", csv_bytes(rows))
    assert (first.valid_rows, first.invalid_rows) == (10, 1)
    rows[4]["ethnic"] = "汉族"
    second = run(registrar, school, "学生.csv", csv_bytes(rows))
    assert (second.total_rows, second.valid_rows, second.invalid_rows, second.duplicate_rows,
            second.already_imported_rows) == (11, 1, 0, 0, 10)
    assert not second.error_report
    for row in rows[:10]:
        assert Student.objects.filter(id_number=row["id_number"]).count() == 1
    assert Student.objects.filter(school=school, name=no_id["name"], id_number__isnull=True).count() == 1
    third = run(registrar, school, "学生.xlsx", xlsx_bytes(rows))
    assert (third.valid_rows, third.already_imported_rows) == (0, 11)


def test_a_crash_mid_file_keeps_finished_chunks_and_a_rerun_continues(world, media, registrar, school, class_name,
                                                                       monkeypatch):
    rows = [pupil(n, class_name=class_name) for n in range(25)]
    content = csv_bytes(rows)
    real_write = pipeline.write_chunk
    calls = []

    def crash_on_third(batch_id, school_, chunk):
        calls.append(chunk.total)
        if len(calls) == 3:
            raise RuntimeError("数据库连接中断")
        return real_write(batch_id, school_, chunk)

    monkeypatch.setattr(pipeline, "write_chunk", crash_on_third)
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 10)
    batch = import_start(actor=registrar, school=school, upload=upload("学生.csv", content))
    with pytest.raises(RuntimeError):
        pipeline.run_import(batch, chunk_rows=10)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and "内部错误" in batch.failure
    assert "数据库连接中断" not in batch.failure and "RuntimeError" not in batch.failure  # the log has it
    assert (batch.total_rows, batch.valid_rows) == (20, 20)  # two whole chunks, nothing of the third
    assert Student.objects.filter(id_number__in=[r["id_number"] for r in rows]).count() == 20
    monkeypatch.setattr(pipeline, "write_chunk", real_write)
    again = run(registrar, school, "学生.csv", content)
    assert (again.valid_rows, again.already_imported_rows) == (5, 20)
    assert Student.objects.filter(id_number__in=[r["id_number"] for r in rows]).count() == 25
    assert AuditEvent.objects.filter(action="student.import").count() == 2  # one per batch, failed or not


def test_progress_reaches_100_and_the_job_reports_the_counts(world, media, registrar, school, class_name,
                                                             monkeypatch):
    seen = []
    rows = [pupil(n, class_name=class_name) for n in range(12)]
    batch = import_start(actor=registrar, school=school, upload=upload("学生.csv", csv_bytes(rows)))
    result = pipeline.run_import(batch, chunk_rows=5, progress=lambda pct, msg: seen.append(pct))
    assert seen[-1] == 100 and seen == sorted(seen) and len(seen) >= 4
    assert result["valid_rows"] == 12


def test_grade1_import_accepts_only_grade1_classes(world, media, registrar, school, class_name):
    batch = run(registrar, school, "新生.csv", csv_bytes([pupil(1, class_name=class_name)]), kind="grade1")
    errors = errors_by_row(batch)
    assert errors[2][0][0] == "班级" and "不是本学年小学一年级的班级" in errors[2][0][1]


def test_the_in_file_index_is_compact():
    number = idnumbers.make("341002", dt.date(2016, 5, 1), 123)
    assert isinstance(pipeline._id_key(number), int)
    assert pipeline._id_key(number[:17] + "X") != pipeline._id_key(number)
    assert pipeline._id_key("E12345678") == "E12345678"


def test_cells_a_spreadsheet_would_run_are_refused_in_names_and_addresses(world, media, registrar, school,
                                                                           class_name):
    attack = "-2+3+cmd|' /C calc'!A0"
    rows = [pupil(1, class_name=class_name, name=attack),
            pupil(2, class_name=class_name, **{"guardian1.name": attack}),
            pupil(3, class_name=class_name, address="+cmd|' /C calc'!A0"),
            pupil(4, class_name=class_name, phone="+86 13900000004")]  # a phone's country prefix stays fine
    batch = run(registrar, school, "学生.csv", csv_bytes(rows))
    assert (batch.total_rows, batch.valid_rows, batch.invalid_rows) == (4, 1, 3)
    errors = errors_by_row(batch)
    assert errors[2] == [("姓名", "内容以“-”开头，疑似公式，请填写纯文本")]
    assert errors[3] == [("成员1姓名", "内容以“-”开头，疑似公式，请填写纯文本")]
    assert errors[4] == [("现住址", "内容以“+”开头，疑似公式，请填写纯文本")]
    assert not Student.objects.filter(name=attack).exists()
    assert not FamilyMember.objects.filter(name=attack).exists()
    assert Student.objects.filter(id_number=rows[3]["id_number"]).exists()


def test_a_row_reports_its_invalid_class_with_its_other_errors(world, media, registrar, school, class_name):
    row = pupil(1, class_name="2099级9班", ethnic="火星族", postcode="24500")
    batch = run(registrar, school, "学生.csv", csv_bytes([row]))
    assert (batch.total_rows, batch.valid_rows, batch.invalid_rows) == (1, 0, 1)
    columns = [column for column, _reason in errors_by_row(batch)[2]]
    assert sorted(columns) == sorted(["民族", "邮政编码", "班级"])
    assert not Student.objects.filter(id_number=row["id_number"]).exists()
