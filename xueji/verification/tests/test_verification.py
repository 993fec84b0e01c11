import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from xueji.core import idnumbers
from xueji.core.errors import Forbidden, NotFound, ValidationFailed
from xueji.jobs.services import result_file_path
from xueji.problems.choices import ProblemKind, ProblemStatus
from xueji.problems.models import Problem
from xueji.registry.models import NationalNumber, NumberKind, Student, VerifyStatus
from xueji.registry.numbers import issue_temporary, number_lookup
from xueji.verification.choices import BatchStatus
from xueji.verification.models import RegisterEntry, VerificationBatch, VerificationItem
from xueji.verification.register import CheckItem, LocalPopulationRegister, register_load, same_name
from xueji.verification.services import (
    answers_import_start,
    batch_file_open,
    verification_export_start,
    verification_start,
)
from xueji.verification.tests.helpers import add_pupil, register_students, run


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _planted(world):
    """The register knows every Anhui pupil except tunxi_middle's; shexian_primary's is known by another name."""
    missing = world.students["tunxi_middle"]
    renamed = world.students["shexian_primary"]
    register_students(world.students.values(), skip={missing.pk}, rename={renamed.pk: "汪小明"})
    return missing, renamed


def test_verification_flags_errors_and_issues_final_numbers(world, media):
    missing, renamed = _planted(world)
    boy = add_pupil(world, "tunxi_primary", name="无证男", sex="1", birth=dt.date(2016, 10, 3), id_number=None,
                    id_type="Z")
    girl = add_pupil(world, "tunxi_primary", name="护照女", sex="2", birth=dt.date(2016, 10, 3), id_number="E1234567",
                     id_type="A")
    first = world.students["tunxi_primary"]
    issue_temporary(students=[Student.objects.select_related("school__county").get(pk=first.pk)],
                    actor=world.user("tunxi", "registrar"))
    temporary = Student.objects.get(pk=first.pk).national_number
    assert temporary.startswith("L341002")

    job = run(verification_start(actor=world.user("anhui", "registrar")))
    assert job.result["checked"] == 4  # the four Anhui pupils with a resident ID
    assert (job.result["verified"], job.result["id_not_found"], job.result["name_mismatch"]) == (2, 1, 1)

    for name in ("tunxi_primary", "yaohai_primary"):
        student = Student.objects.get(pk=world.students[name].pk)
        assert student.verify_status == VerifyStatus.VERIFIED
        assert student.national_number == "G" + student.id_number
    assert Student.objects.get(pk=missing.pk).verify_status == VerifyStatus.NOT_FOUND
    assert Student.objects.get(pk=renamed.pk).verify_status == VerifyStatus.MISMATCH
    errors = {p.members.get().student_id: p for p in Problem.objects.filter(kind=ProblemKind.ID_ERROR)}
    assert set(errors) == {missing.pk, renamed.pk}
    assert errors[missing.pk].detail["reason"] == "id_not_found"
    assert errors[renamed.pk].detail["reason"] == "name_mismatch"
    assert Student.objects.get(pk=missing.pk).national_number is None  # no number while the problem is open

    # No usable ID: a J number built like an ID (county area, birth date, odd for boys, even for girls).
    for pupil, parity in ((boy, 1), (girl, 0)):
        number = Student.objects.get(pk=pupil.pk).national_number
        assert number.startswith("J341002" + "20161003"), number
        assert idnumbers.is_valid(number[1:])
        assert int(number[15:18]) % 2 == parity
        assert NationalNumber.objects.get(number=number).kind == NumberKind.J

    # The L number stays findable after G was issued.
    old = number_lookup(temporary)
    assert old.student_id == first.pk and old.superseded_at is not None
    assert number_lookup("G" + first.id_number).superseded_at is None
    # Jiangsu is outside the Anhui registrar's run.
    assert Student.objects.get(pk=world.students["xuanwu_primary"].pk).verify_status == VerifyStatus.UNVERIFIED

    again = run(verification_start(actor=world.user("anhui", "registrar")))
    assert again.result["checked"] == 0 and again.result["problems_new"] == 0
    assert Problem.objects.filter(kind=ProblemKind.ID_ERROR).count() == 2
    assert again.result["numbers"].get("G", 0) == 0


def test_register_updated_then_rerun_resolves_the_id_error(world, media):
    missing, _renamed = _planted(world)
    run(verification_start(actor=world.user("tunxi", "registrar")))
    problem = Problem.objects.get(kind=ProblemKind.ID_ERROR)
    # The register is corrected and the record is sent again (e.g. by the error scan's owner): verified now.
    register_students([missing])
    Student.objects.filter(pk=missing.pk).update(verify_status=VerifyStatus.UNVERIFIED)
    run(verification_start(actor=world.user("tunxi", "registrar")))
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED
    assert Student.objects.get(pk=missing.pk).national_number == "G" + missing.id_number


def test_who_may_run_verification(world, media):
    school = world.user("tunxi_primary", "registrar")
    with pytest.raises(NotFound):
        verification_start(actor=school, org_unit=world.units["tunxi"])
    job = verification_start(actor=school)
    assert job.params == {"org_unit": world.units["tunxi_primary"].pk}
    with pytest.raises(NotFound):
        verification_start(actor=world.user("tunxi", "registrar"), org_unit=world.units["shexian"])
    with pytest.raises(Forbidden):
        verification_start(actor=world.user("tunxi", "leader"))
    with pytest.raises(Forbidden):
        verification_start(actor=world.user("ministry", "registrar"))


def _read_csv(path):
    with path.open(encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_batch_file_exchange_round_trip(world, media):
    missing, renamed = _planted(world)
    registrar = world.user("huangshan", "registrar")
    export = run(verification_export_start(actor=registrar))
    batch = VerificationBatch.objects.get(pk=export.result["batch"])
    assert batch.status == BatchStatus.SENT and batch.total == 3
    assert result_file_path(export) is None  # not a job file: it holds full ID numbers
    rows = _read_csv(batch_file_open(actor=registrar, batch=batch))
    with pytest.raises(Forbidden):
        batch_file_open(actor=world.user("huangshan", "leader"), batch=batch)
    assert rows[0] == ["reference", "id_number", "name"]
    assert {r[1] for r in rows[1:]} == {world.students[n].id_number for n in
                                        ("tunxi_primary", "tunxi_middle", "shexian_primary")}
    assert set(Student.objects.filter(verify_status=VerifyStatus.SENT).values_list("pk", flat=True)) == {
        world.students[n].pk for n in ("tunxi_primary", "tunxi_middle", "shexian_primary")}

    # The register answers with its own file (here: what the local register says), GB18030 like Excel saves it.
    register = LocalPopulationRegister()
    answers = register.check([CheckItem(r[0], r[1], r[2]) for r in rows[1:]])
    code = {"verified": "1", "id_not_found": "2", "name_mismatch": "3"}
    lines = ["参考号,身份证件号,核查结果"] + [f"{a.reference},{r[1]},{code[a.result]}"
                                              for a, r in zip(answers, rows[1:], strict=True)]
    lines.append(f"{batch.pk}-999999,110101200001010011,1")  # not in the batch
    lines.append("garbage,,1")
    upload = SimpleUploadedFile("answers.csv", "\r\n".join(lines).encode("gb18030"), content_type="text/csv")
    job = run(answers_import_start(actor=registrar, batch=batch, upload=upload))
    assert job.result["answered"] == 3 and job.result["errors"] == 2
    assert job.result["verified"] == 1 and job.result["id_not_found"] == 1 and job.result["name_mismatch"] == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.answered == 3
    verified = Student.objects.get(pk=world.students["tunxi_primary"].pk)
    assert verified.verify_status == VerifyStatus.VERIFIED and verified.national_number == "G" + verified.id_number
    assert Problem.objects.filter(kind=ProblemKind.ID_ERROR).count() == 2
    assert result_file_path(job).name.endswith("-errors.csv")

    # Importing the same answers again applies nothing twice; the batch no longer waits.
    from xueji.core.errors import Conflict

    with pytest.raises(Conflict):
        answers_import_start(actor=registrar, batch=batch, upload=upload)


def test_answers_for_changed_records_are_not_applied(world, media):
    register_students(world.students.values())
    registrar = world.user("tunxi", "registrar")
    export = run(verification_export_start(actor=registrar))
    batch = VerificationBatch.objects.get(pk=export.result["batch"])
    student = world.students["tunxi_primary"]
    Student.objects.filter(pk=student.pk).update(name="改过名")  # changed after the file was sent
    item = VerificationItem.objects.get(batch=batch, student=student)
    upload = SimpleUploadedFile("a.csv", f"{item.reference},{item.id_number},1\n".encode(), content_type="text/csv")
    job = run(answers_import_start(actor=registrar, batch=batch, upload=upload))
    assert job.result["stale"] == 1 and job.result.get("verified", 0) == 0
    assert Student.objects.get(pk=student.pk).verify_status == VerifyStatus.SENT
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PARTLY


def test_answers_must_be_csv_and_within_the_size_limit(world, media):
    registrar = world.user("tunxi", "registrar")
    export = run(verification_export_start(actor=registrar))
    batch = VerificationBatch.objects.get(pk=export.result["batch"])
    with pytest.raises(ValidationFailed):
        answers_import_start(actor=registrar, batch=batch,
                             upload=SimpleUploadedFile("a.xlsx", b"PK", content_type="application/zip"))
    from xueji.policy.models import PolicySetting

    PolicySetting.objects.create(province_code="340000", key="import.max_bytes", value=10)
    with pytest.raises(ValidationFailed) as excinfo:
        answers_import_start(actor=registrar, batch=batch,
                             upload=SimpleUploadedFile("a.csv", b"x" * 100, content_type="text/csv"))
    assert excinfo.value.code == "file_too_large"


def test_load_population_register_command(db, tmp_path):
    number = idnumbers.make("341002", dt.date(2015, 2, 3), 21)
    other = idnumbers.make("341021", dt.date(2014, 6, 7), 22)
    path = tmp_path / "register.csv"
    path.write_bytes(f"身份证件号,姓名,性别,出生日期\n{number},张三,男,2015-02-03\n{other},李四,,\n,无号,,\n"
                     .encode("gb18030"))
    out = io.StringIO()
    call_command("load_population_register", str(path), stdout=out, stderr=io.StringIO())
    assert "loaded 2 entries (1 refused)" in out.getvalue()
    entry = RegisterEntry.objects.get(id_number=other)
    assert (entry.name, entry.sex, entry.birth_date) == ("李四", "2", dt.date(2014, 6, 7))  # derived from the ID
    # Loading again is an upsert: same count, changed names updated. No header, UTF-8 with BOM this time.
    path.write_bytes(f"\ufeff{number},张叁\n".encode())
    register_load(path=path)
    assert RegisterEntry.objects.count() == 2
    assert RegisterEntry.objects.get(id_number=number).name == "张叁"


def test_fill_register_from_students_plants_errors(world, media):
    from xueji.verification.register import register_fill_from_students

    result = register_fill_from_students(omit=1, rename=1)
    assert result["pupils"] == 5 and len(result["omitted"]) == 1 and len(result["renamed"]) == 1
    assert RegisterEntry.objects.count() == 4
    job = run(verification_start(actor=world.user("anhui", "registrar")))
    failures = job.result["id_not_found"] + job.result["name_mismatch"]
    assert failures == sum(1 for pk in result["omitted"] + result["renamed"]
                           if Student.objects.get(pk=pk).province_code == "340000")


def test_names_compare_across_middle_dot_variants():
    assert same_name("阿卜杜·热合曼", "阿卜杜•热合曼")
    assert same_name("阿卜杜 · 热合曼", "阿卜杜．热合曼")
    assert not same_name("张三", "张叁")


def test_commands_run_verification_and_scans(world, media):
    register_students(world.students.values(), skip={world.students["tunxi_middle"].pk})
    out = io.StringIO()
    call_command("verify_identities", "--user", "tunxi_registrar", stdout=out)
    assert '"verified": 1' in out.getvalue() and '"id_not_found": 1' in out.getvalue()
    Student.objects.filter(pk=world.students["shexian_primary"].pk).update(
        id_number=world.students["yaohai_primary"].id_number)
    out = io.StringIO()
    call_command("scan_problems", "--user", "anhui_registrar", "--kind", "duplicates", stdout=out)
    assert '"new": 1' in out.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("scan_problems", "--user", "tunxi_registrar", "--org", "341021", stdout=io.StringIO())


def test_the_answers_error_file_escapes_cells_a_spreadsheet_would_run(world, media):
    registrar = world.user("huangshan", "registrar")
    batch = VerificationBatch.objects.get(pk=run(verification_export_start(actor=registrar)).result["batch"])
    lines = ["参考号,身份证件号,核查结果", "-2+3+cmd|' /C calc'!A0,110101200001010011,1",
             "=HYPERLINK(\"http://x\"),,1", "@SUM(A1),,1"]
    upload = SimpleUploadedFile("answers.csv", "\r\n".join(lines).encode(), content_type="text/csv")
    job = run(answers_import_start(actor=registrar, batch=batch, upload=upload))
    assert job.result["errors"] == 3
    with result_file_path(job).open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert [row[1] for row in rows[1:]] == ["'-2+3+cmd|' /C calc'!A0", "'=HYPERLINK(\"http://x\")", "'@SUM(A1)"]


def test_every_csv_and_xlsx_cell_goes_through_one_escape():
    from xueji.core.spreadsheets import csv_writer, safe_cell

    out = io.StringIO()
    csv_writer(out).writerows([["=1+1", "+1", "-1", "@x", "\tx", "\rx", "张三", 12]])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=1+1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "张三",
                                                              "12"]
    assert safe_cell(-5) == -5  # numbers are numbers, not text
