"""One duplicate rule for every path that sets a pupil's identity items (entry, correcting a draft, the bulk
import, a problem-record correction), and a refusal that does not name the other pupil."""

import pytest
from django.urls import reverse

from xueji.core import idnumbers
from xueji.core.errors import Conflict
from xueji.problems.choices import ProblemKind
from xueji.problems.models import Problem
from xueji.problems.records import record_problems
from xueji.problems.services import problem_action_file
from xueji.registration.tests.test_flow import enter, pupil_row
from xueji.registry.models import Student


def api_body(klass, row: dict) -> dict:
    body = {k: v for k, v in row.items() if k != "class_name" and not k.startswith("guardian")}
    guardian = {k.removeprefix("guardian1."): v for k, v in row.items() if k.startswith("guardian1.")}
    return {**body, "school_class": klass.pk, "guardians": [guardian]}


def test_correcting_a_draft_to_an_id_another_record_holds_is_refused(world, login):
    first, draft = enter(world, 2)
    client = login(world.user("tunxi_primary", "registrar"))
    klass = world.classes["tunxi_primary"]
    taken = world.students["shexian_primary"]  # a pupil of another county's school
    row = pupil_row(1, id_number=taken.id_number, birth_date=taken.birth_date.isoformat(), sex=taken.sex)
    response = client.put(reverse("api:student-correct", kwargs={"pk": draft.pk}), api_body(klass, row),
                          content_type="application/json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_student" and body["field"] == "id_number"
    assert body["message"] == "其他学校已有相同身份证件号的学籍，不能重复建籍；如确属同一人，请办理转学。"
    assert taken.name not in response.content.decode()
    assert Student.objects.get(pk=draft.pk).id_number == pupil_row(1)["id_number"]  # nothing changed
    assert Student.objects.filter(id_number=taken.id_number).count() == 1
    # The same school's record: said so, and still refused.
    row = pupil_row(1, id_number=first.id_number, birth_date=first.birth_date.isoformat())
    response = client.put(reverse("api:student-correct", kwargs={"pk": draft.pk}), api_body(klass, row),
                          content_type="application/json")
    assert response.status_code == 409 and response.json()["message"] == "本校已有相同身份证件号的学籍。"
    assert Student.objects.filter(id_number=first.id_number).count() == 1
    # Correcting the draft in its other items (its own ID kept) goes through.
    row = pupil_row(1, address="屯溪路2号")
    response = client.put(reverse("api:student-correct", kwargs={"pk": draft.pk}), api_body(klass, row),
                          content_type="application/json")
    assert response.status_code == 200, response.content


def test_entering_a_duplicate_id_answers_409_without_the_other_pupils_name(world, login):
    client = login(world.user("tunxi_primary", "registrar"))
    klass = world.classes["tunxi_primary"]
    taken = world.students["shexian_primary"]
    row = pupil_row(5, id_number=taken.id_number, birth_date=taken.birth_date.isoformat(), sex=taken.sex)
    response = client.post(reverse("api:student-enter"), api_body(klass, row), content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_student"
    assert taken.name not in response.content.decode()
    from xueji.registration.tests.test_pages_registration import web_row

    page = client.post(reverse("registration:student_enter"),
                       web_row(klass, 5, id_number=taken.id_number, sex=taken.sex,
                               birth_date=taken.birth_date.isoformat()))
    html = page.content.decode()
    assert page.status_code == 200 and "其他学校已有相同身份证件号的学籍" in html and taken.name not in html
    assert Student.objects.filter(id_number=taken.id_number).count() == 1


def test_a_problem_record_correction_runs_the_same_duplicate_rule(world):
    student = Student.objects.get(pk=world.students["tunxi_primary"].pk)
    record_problems(kind=ProblemKind.ID_ERROR, province_code="340000", groups={student.id_number: [student.pk]},
                    source="verification")
    taken = world.students["shexian_primary"]
    birth = student.birth_date
    other_id = idnumbers.make("341021", birth, 601)
    Student.objects.filter(pk=taken.pk).update(id_number=other_id, birth_date=birth)
    with pytest.raises(Conflict) as excinfo:
        problem_action_file(actor=world.user("tunxi_primary", "registrar"), problem=Problem.objects.get(),
                            action="correct", changes={"id_number": other_id}, reason="户籍证明")
    assert excinfo.value.code == "duplicate_student" and taken.name not in str(excinfo.value.words)
    assert Student.objects.get(pk=student.pk).id_number == student.id_number


def test_a_problem_record_correction_runs_the_row_validators_identity_rules(world):
    student = Student.objects.get(pk=world.students["tunxi_primary"].pk)
    record_problems(kind=ProblemKind.ID_ERROR, province_code="340000", groups={student.id_number: [student.pk]},
                    source="verification")
    from xueji.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as excinfo:
        problem_action_file(actor=world.user("tunxi_primary", "registrar"), problem=Problem.objects.get(),
                            action="correct", changes={"name": "-2+3+cmd|' /C calc'!A0"}, reason="户籍证明")
    assert excinfo.value.code == "invalid_identity" and excinfo.value.field == "name"
    assert excinfo.value.message == "内容以“-”开头，疑似公式，请填写纯文本"
    assert Student.objects.get(pk=student.pk).name == student.name
