"""Senior high graduation with approval (issue 10, item 1): the province's required 学业水平考试 subjects, the
results loaded with every row error in one pass (nothing loaded then; a re-upload is idempotent), the filing
refused for a pupil who has not passed them, the approval (school leader, county registrar) graduating through
the registry's door."""

import pytest

from xueji.accounts.models import Role, RoleAssignment, User
from xueji.core import clock
from xueji.core.errors import Conflict, ValidationFailed
from xueji.policy.services import setting_set
from xueji.registry import counts
from xueji.registry.models import Student
from xueji.schools.models import SchoolClass
from xueji.schools.selectors import current_school_year_start
from xueji.schools.services import school_create
from xueji.schoolyear.models import ExamResult, Graduate
from xueji.schoolyear.services import exam_results_load, graduation_graduate, senior_graduation_file
from xueji.schoolyear.tests.conftest import add_pupil
from xueji.workflow.models import RequestStatus
from xueji.workflow.services import request_decide


def _user(unit, role: str) -> User:
    user = User.objects.create(username=f"{unit.code}_{role}", full_name=role, org_unit=unit,
                               password_changed_at=clock.now())
    RoleAssignment.objects.create(user=user, role=role)
    return user


@pytest.fixture
def senior(scene):
    school = school_create(actor=scene.user("tunxi", "registrar"), code="3410029001", name="屯溪一中",
                           county=scene.units["tunxi"], running_type="342")
    klass = SchoolClass.objects.create(school=school, stage="3", cohort_year=current_school_year_start() - 2,
                                       number=1)
    scene.senior = school
    scene.senior_pupils = [add_pupil(scene, klass, 40 + n) for n in range(2)]
    scene.senior_registrar = _user(school.org_unit, Role.REGISTRAR)
    scene.senior_leader = _user(school.org_unit, Role.LEADER)
    counts.rebuild()
    setting_set(actor=scene.user("anhui", "sysadmin"), key="schoolyear.senior_required_subjects",
                value=["chinese", "maths"])
    return scene


def _rows(pupils, maths_b="不合格"):
    a, b = pupils
    return [{"number": a.id_number, "subject": "chinese", "result": "合格"},
            {"number": a.id_number, "subject": "maths", "result": "合格", "score": "B"},
            {"number": b.id_number, "subject": "chinese", "result": "合格"},
            {"number": b.id_number, "subject": "maths", "result": maths_b}]


def test_results_are_loaded_with_every_row_error_in_one_pass_and_idempotently(senior):
    county = senior.user("tunxi", "registrar")
    a = senior.senior_pupils[0]
    bad = [{"number": "X" * 18, "subject": "chinese", "result": "合格"},
           {"number": a.id_number, "subject": "latin", "result": "合格"},
           {"number": a.id_number, "subject": "maths", "result": "maybe"},
           {"number": a.id_number, "subject": "chinese", "result": "合格"},
           {"number": a.id_number, "subject": "chinese", "result": "不合格"}]
    with pytest.raises(ValidationFailed) as refused:
        exam_results_load(actor=county, rows=bad)
    assert refused.value.code == "invalid_rows"
    assert [(e["row"], e["field"]) for e in refused.value.details["rows"]] == [
        (1, "number"), (2, "subject"), (3, "result"), (5, "subject")]
    assert not ExamResult.objects.exists()
    assert exam_results_load(actor=county, rows=_rows(senior.senior_pupils))["results"] == 4
    again = exam_results_load(actor=county, rows=_rows(senior.senior_pupils))
    assert (again["results"], again["updated"]) == (4, 4) and ExamResult.objects.count() == 4


def test_senior_pupils_graduate_with_approval_against_the_conditions(senior):
    a, b = senior.senior_pupils
    exam_results_load(actor=senior.user("tunxi", "registrar"), rows=_rows(senior.senior_pupils))
    with pytest.raises(Conflict) as compulsory_only:
        graduation_graduate(actor=senior.senior_registrar, school=senior.senior, student_ids=[a.pk])
    assert compulsory_only.value.code == "not_compulsory"
    with pytest.raises(Conflict) as unmet:
        senior_graduation_file(actor=senior.senior_registrar, school=senior.senior, student_ids=[a.pk, b.pk])
    assert unmet.value.code == "conditions_not_met"
    assert unmet.value.details["students"] == {str(b.pk): ["maths"]}
    request = senior_graduation_file(actor=senior.senior_registrar, school=senior.senior, student_ids=[a.pk])
    assert request.status == RequestStatus.PENDING
    assert Student.objects.get(pk=a.pk).status == "01"  # nothing until the last approval
    request = request_decide(actor=senior.senior_leader, request=request, approve=True)
    request = request_decide(actor=senior.user("tunxi", "registrar"), request=request, approve=True)
    assert request.status == RequestStatus.APPROVED
    assert Student.objects.get(pk=a.pk).status == "07" and Student.objects.get(pk=b.pk).status == "01"
    assert Graduate.objects.get(student=a).batch.stage == "3"
    assert counts.differences() == {}


def test_the_senior_api(senior, client):
    client.force_login(senior.user("tunxi", "registrar"))
    answer = client.post("/api/v1/exam-results/", {"rows": _rows(senior.senior_pupils)},
                         content_type="application/json")
    assert answer.status_code == 200 and answer.json()["results"] == 4
    client.force_login(senior.senior_registrar)
    a, b = senior.senior_pupils
    refused = client.post("/api/v1/graduation/senior/", {"students": [b.pk]}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "conditions_not_met"
    filed = client.post("/api/v1/graduation/senior/", {"students": [a.pk]}, content_type="application/json")
    assert filed.status_code == 201


def test_a_senior_graduation_is_reverted_only_with_approval(senior):
    from xueji.schoolyear.services import graduation_revert, senior_revert_file

    a = senior.senior_pupils[0]
    exam_results_load(actor=senior.user("tunxi", "registrar"), rows=_rows(senior.senior_pupils))
    request = senior_graduation_file(actor=senior.senior_registrar, school=senior.senior, student_ids=[a.pk])
    request = request_decide(actor=senior.senior_leader, request=request, approve=True)
    request_decide(actor=senior.user("tunxi", "registrar"), request=request, approve=True)
    graduate = Graduate.objects.select_related("batch", "school", "student").get(student=a)
    with pytest.raises(Conflict) as direct:
        graduation_revert(actor=senior.senior_registrar, graduate=graduate)
    assert direct.value.code == "revert_needs_approval"
    revert = senior_revert_file(actor=senior.senior_registrar, graduate=graduate, reason="误报")
    assert Student.objects.get(pk=a.pk).status == "07"  # nothing until the last approval
    revert = request_decide(actor=senior.senior_leader, request=revert, approve=True)
    revert = request_decide(actor=senior.user("tunxi", "registrar"), request=revert, approve=True)
    assert revert.status == RequestStatus.APPROVED
    assert Student.objects.get(pk=a.pk).status == "01"
    assert Graduate.objects.get(pk=graduate.pk).reverted_at is not None


def test_the_results_file_and_the_senior_filing_pages(senior, client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    a, b = senior.senior_pupils
    client.force_login(senior.user("tunxi", "registrar"))
    bad = "学籍号,科目,成绩\nX,语文,合格\n".encode()
    page = client.post(reverse("schoolyear:exam_results"), {"file": SimpleUploadedFile("r.csv", bad)})
    assert page.status_code == 200 and 'data-testid="row-errors"' in page.content.decode()
    assert not ExamResult.objects.exists()
    good = "\n".join(["身份证件号,科目,成绩,分数", f"{a.id_number},语文,合格,A", f"{a.id_number},数学,合格,B",
                      f"{b.id_number},语文,合格,", f"{b.id_number},数学,不合格,E"]).encode("gb18030")
    page = client.post(reverse("schoolyear:exam_results"), {"file": SimpleUploadedFile("r.csv", good)})
    assert 'data-testid="loaded"' in page.content.decode() and ExamResult.objects.count() == 4
    client.force_login(senior.senior_registrar)
    page = client.get(reverse("schoolyear:graduation"))
    assert 'data-testid="senior-candidates"' in page.content.decode()
    answer = client.post(reverse("schoolyear:senior_graduation"), {"students": [a.pk]})
    assert answer.status_code == 302 and "/requests/" in answer["Location"]
