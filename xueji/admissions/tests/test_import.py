"""The admission-results import and the admission run (issue 10): the plan and the class-size caps respected, every
row error reported in one pass with nothing written, the same file again changing nothing, duplicate admissions
held until one is kept, and no pupil in a school without a record."""

import pytest

from xueji.admissions import services
from xueji.admissions.models import Admission
from xueji.admissions.tests.helpers import graduate, newcomer_id, office, plan, row, state, upload, year
from xueji.core.errors import Conflict
from xueji.policy.services import cap_set
from xueji.registry.choices import StudentStatus
from xueji.registry.models import RegStatus, Student, StudentCount


def _errors(batch) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    for number, column, reason in batch.errors:
        out.setdefault(number, []).append((column, reason))
    return out


def test_a_graduate_and_a_pupil_without_a_record_are_admitted_and_enter_school(scene):
    plan(scene, "tunxi_senior", 10)
    pupil = graduate(scene, 1)
    batch = upload(scene, row(pupil, "tunxi_senior", klass="2班"), row(newcomer_id(1), "tunxi_senior"))
    assert (batch.status, batch.admitted_rows, batch.new_records, batch.error_count) == ("imported", 2, 1, 0)
    admitted = {a.id_number: a for a in Admission.objects.all()}
    assert admitted[pupil.id_number].school_class.number == 2
    assert Student.objects.get(pk=pupil.pk).school_id == pupil.school_id  # not yet: it takes effect at the run

    done = services.admissions_apply(actor=office(scene), year=year())
    assert done == {"enrolled": 1, "new_records": 1}
    moved = Student.objects.get(pk=pupil.pk)
    assert (moved.school_id, moved.status) == (scene.schools["tunxi_senior"].pk, StudentStatus.ENROLLED)
    assert moved.history.filter(kind="placement").exists()
    new = Student.objects.get(id_number=newcomer_id(1)[0])
    assert (new.school_id, new.reg_status) == (scene.schools["tunxi_senior"].pk, RegStatus.DRAFT)
    assert not Student.objects.filter(school=scene.schools["tunxi_senior"], school_class__isnull=True).exists()
    assert set(Admission.objects.values_list("status", flat=True)) == {"enrolled"}
    seated = StudentCount.objects.filter(school=scene.schools["tunxi_senior"]).values_list("n", flat=True)
    assert sum(seated) == 2  # the door's counts followed


def test_the_same_file_again_admits_nobody_twice(scene):
    plan(scene, "tunxi_senior", 10)
    rows = [row(graduate(scene, n), "tunxi_senior") for n in range(1, 4)]
    upload(scene, *rows)
    again = upload(scene, *rows)
    assert (again.status, again.already_rows, again.admitted_rows) == ("unchanged", 3, 0)
    assert Admission.objects.count() == 3
    services.admissions_apply(actor=office(scene), year=year())
    after_entry = upload(scene, *rows)  # in school now, by this very admission: still the same file
    assert (after_entry.status, after_entry.already_rows) == ("unchanged", 3)


def test_a_bad_file_is_refused_whole_with_every_row_error_at_once(scene):
    plan(scene, "tunxi_senior", 2)
    in_school = graduate(scene, 1, status=StudentStatus.ENROLLED)
    ok1, ok2, over = graduate(scene, 2), graduate(scene, 3), graduate(scene, 4)
    outside, elsewhere = graduate(scene, 5), graduate(scene, 6)
    before = state()
    batch = upload(scene,
                   row(ok1, "tunxi_senior"),                         # 2: fine
                   row(in_school, "tunxi_senior"),                   # 3: still in school (在读)
                   row(ok2, "9999999999"),                           # 4: unknown school
                   row(ok1, "tunxi_senior"),                         # 5: the same pupil as row 2
                   row(newcomer_id(5), "tunxi_senior"),              # 6: fine (the plan's second place)
                   row(over, "tunxi_senior"),                        # 7: over the plan
                   row(outside, "shexian_senior"),                   # 8: a school outside the office's area
                   "12345,无证,男,2011-01-01,,3410021003,高中,",       # 9: a bad ID number
                   row(elsewhere, "tunxi_senior", stage="初中"))     # 10: a stage the school does not teach
    assert batch.status == "refused"
    errors = _errors(batch)
    assert sorted(errors) == [3, 4, 5, 7, 8, 9, 10]
    assert "在读" in errors[3][0][1] or "Already in school" in errors[3][0][1]
    assert errors[4][0][0] == "录取学校代码" and "9999999999" in errors[4][0][1]
    assert "2" in errors[5][0][1]  # names the row it repeats
    assert errors[7][0][0] == "录取学校代码" and "2" in errors[7][0][1]  # the plan's places
    assert errors[8][0][0] == "录取学校代码"
    assert errors[9][0][0] == "身份证件号"
    assert errors[10][0][0] == "学段"
    assert state() == before  # nothing written


def test_rows_beyond_the_class_size_cap_are_refused(scene):
    cap_set(actor=scene.user("anhui", "sysadmin"), stage="3", cap=1)
    plan(scene, "tunxi_senior", 10)
    pupils = [graduate(scene, n) for n in range(1, 4)]
    batch = upload(scene, row(pupils[0], "tunxi_senior", klass="1班"), row(pupils[1], "tunxi_senior", klass="1班"))
    assert batch.status == "refused" and sorted(_errors(batch)) == [3]
    batch = upload(scene, *(row(p, "tunxi_senior") for p in pupils))  # two classes of one seat each: the third has none
    assert batch.status == "refused" and _errors(batch)[4][0][0] == "班级"
    batch = upload(scene, *(row(p, "tunxi_senior") for p in pupils[:2]))
    assert batch.status == "imported"
    assert sorted(Admission.objects.values_list("school_class__number", flat=True)) == [1, 2]


def test_a_pupil_admitted_by_two_schools_waits_until_one_admission_is_kept(scene):
    plan(scene, "tunxi_senior", 10)
    plan(scene, "shexian_senior", 10)
    pupil, other = graduate(scene, 1), graduate(scene, 2)
    upload(scene, row(pupil, "tunxi_senior"), row(other, "tunxi_senior"))
    second = upload(scene, row(pupil, "shexian_senior"), unit="shexian")
    assert (second.status, second.held_rows, second.admitted_rows) == ("imported", 1, 0)
    assert set(Admission.objects.filter(id_number=pupil.id_number).values_list("status", flat=True)) == {"held"}

    services.admissions_apply(actor=office(scene, "huangshan"), year=year())
    assert Student.objects.get(pk=pupil.pk).status == StudentStatus.GRADUATED  # none of its admissions took effect
    assert Student.objects.get(pk=other.pk).status == StudentStatus.ENROLLED

    held = Admission.objects.get(id_number=pupil.id_number, school=scene.schools["shexian_senior"])
    with pytest.raises(Conflict):  # 屯溪区's office does not hold 歙县's school: the city decides
        services.duplicate_keep(actor=office(scene), admission=held)
    services.duplicate_keep(actor=office(scene, "huangshan"), admission=held)
    assert dict(Admission.objects.filter(id_number=pupil.id_number).values_list("school__code", "status")) == {
        "3410021003": "withdrawn", "3410211003": "admitted"}
    services.admissions_apply(actor=office(scene, "shexian"), year=year())
    assert Student.objects.get(pk=pupil.pk).school_id == scene.schools["shexian_senior"].pk


def test_withdrawing_one_of_two_admissions_releases_the_other(scene):
    plan(scene, "tunxi_senior", 10)
    plan(scene, "shexian_senior", 10)
    pupil = graduate(scene, 1)
    upload(scene, row(pupil, "tunxi_senior"))
    upload(scene, row(pupil, "shexian_senior"), unit="shexian")
    mine = Admission.objects.get(id_number=pupil.id_number, school=scene.schools["tunxi_senior"])
    services.admission_withdraw(actor=office(scene), admission=mine)
    assert Admission.objects.get(id_number=pupil.id_number, school=scene.schools["shexian_senior"]).status == \
        "admitted"


def test_the_run_is_refused_whole_when_a_record_went_back_to_school_meanwhile(scene):
    plan(scene, "tunxi_senior", 10)
    pupils = [graduate(scene, n) for n in range(1, 3)]
    upload(scene, *(row(p, "tunxi_senior") for p in pupils))
    Student.objects.filter(pk=pupils[1].pk).update(status=StudentStatus.ENROLLED)  # as if graduation were reverted
    with pytest.raises(Conflict):
        services.admissions_apply(actor=office(scene), year=year())
    assert Student.objects.get(pk=pupils[0].pk).status == StudentStatus.GRADUATED
    assert set(Admission.objects.values_list("status", flat=True)) == {"admitted"}


def test_the_run_refuses_a_new_record_for_a_pupil_registered_meanwhile(scene):
    from xueji.registry.services import student_enter
    from xueji.registry.validation import CleanStudent

    plan(scene, "tunxi_senior", 10)
    id_number, birth = newcomer_id(3)
    upload(scene, row((id_number, birth), "tunxi_senior"))
    student_enter(actor=scene.user("yaohai_primary", "registrar"), school=scene.schools["yaohai_primary"],
                  school_class=None, clean=CleanStudent(student={"name": "新生", "sex": "1", "birth_date": birth,
                                                                 "id_type": "1", "id_number": id_number}))
    with pytest.raises(Conflict) as refused:
        services.admissions_apply(actor=office(scene), year=year())
    assert refused.value.code == "admission_record_since"
    assert Student.objects.filter(id_number=id_number).count() == 1


def test_an_xlsx_file_laid_out_like_the_template_is_imported(scene):
    import io

    import xlsxwriter
    from django.core.files.uploadedfile import SimpleUploadedFile

    from xueji.admissions import importing

    template = importing.template(actor=office(scene))
    assert template[:2] == b"PK"
    plan(scene, "tunxi_senior", 10)
    pupil = graduate(scene, 1)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("录取结果")
    sheet.write_row(0, 0, [title + ("*" if required else "") for _k, title, required in importing.COLUMNS])
    sheet.write_row(1, 0, [pupil.id_number, pupil.name, "男", f"{pupil.birth_date:%Y-%m-%d}", "", "3410021003",
                           "高中", "1班"])
    book.close()
    upload_file = SimpleUploadedFile("录取.xlsx", out.getvalue(),
                                     content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    batch = importing.results_import(actor=office(scene), upload=upload_file, year=year())
    assert (batch.status, batch.admitted_rows) == ("imported", 1)


def test_an_admitted_graduate_gets_the_destination_its_school_left_unknown(scene):
    from xueji.core import clock
    from xueji.schoolyear.models import Graduate, GraduationBatch

    plan(scene, "tunxi_senior", 10)
    pupil = graduate(scene, 1)
    batch = GraduationBatch.objects.create(school=pupil.school, stage="2", kind="07", year=year() - 1, count=1,
                                           created_by=office(scene), created_at=clock.now())
    Graduate.objects.create(batch=batch, student=pupil, school=pupil.school, id_number=pupil.id_number,
                            previous_status="01")
    upload(scene, row(pupil, "tunxi_senior"))
    services.admissions_apply(actor=office(scene), year=year())
    graduate_row = Graduate.objects.get(student=pupil)
    assert (graduate_row.destination, graduate_row.destination_school_id) == ("10", scene.schools["tunxi_senior"].pk)
