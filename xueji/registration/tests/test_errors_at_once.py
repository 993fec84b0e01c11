"""Every form and every import row reports all its errors in one pass (one validator for form, API and import),
and the page focuses the first."""

import re

from django.urls import reverse

from xueji.registry.fields import ALL_ITEMS
from xueji.registry.models import RegStatus, Student

REQUIRED = {item.key for item in ALL_ITEMS if item.required and item.target != "placement"} - {"class_name"}


def _errors(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, text in re.findall(r'data-error-for="([^"]+)">(.*?)</div>', html, re.S):
        found.setdefault(name, []).append(text.strip())
    return found


def test_an_empty_pupil_form_shows_every_error_at_once_and_focuses_the_first(world, login):
    client = login(world.user("tunxi_primary", "registrar"))
    response = client.post(reverse("registration:student_enter"), {"kind": "enrolled"})
    assert response.status_code == 200
    html = response.content.decode()
    errors = _errors(html)
    assert errors["school_class"] == ["此项为必填项。"]
    assert {key.replace(".", "__") for key in REQUIRED} <= set(errors)
    assert all(errors[key.replace(".", "__")] == ["必填项不能为空"] for key in REQUIRED)
    assert re.search(r'<script src="/static/ui/js/form-errors\.js[^"]*" defer', html)
    assert not Student.objects.filter(reg_status=RegStatus.DRAFT).exists()


def test_the_api_answers_every_error_of_a_pupil_at_once(world, login):
    client = login(world.user("tunxi_primary", "registrar"))
    response = client.post(reverse("api:student-enter"), {"name": "-2+3+cmd|' /C calc'!A0"},
                           content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "school_class" in body["details"]  # the serializer's error ...
    assert body["details"]["name"] == ["姓名：内容以“-”开头，疑似公式，请填写纯文本"]  # ... and the validator's
    assert REQUIRED - {"name"} <= set(body["details"])
    assert not Student.objects.filter(reg_status=RegStatus.DRAFT).exists()


def test_a_problem_record_correction_reports_all_its_errors_at_once(world):
    import pytest

    from xueji.core.errors import ValidationFailed
    from xueji.problems.choices import ProblemKind
    from xueji.problems.models import Problem
    from xueji.problems.records import record_problems
    from xueji.problems.services import problem_action_file

    student = Student.objects.get(pk=world.students["tunxi_primary"].pk)
    record_problems(kind=ProblemKind.ID_ERROR, province_code="340000", groups={student.id_number: [student.pk]},
                    source="verification")
    with pytest.raises(ValidationFailed) as excinfo:
        problem_action_file(actor=world.user("tunxi_primary", "registrar"), problem=Problem.objects.get(),
                            action="correct", changes={"name": "=1+1", "id_number": "341002", "sex": "7"},
                            reason="户籍证明")
    assert set(excinfo.value.details) == {"name", "sex", "id_number"}
    assert excinfo.value.details["id_number"] == ["居民身份证号应为 18 位。"]
    assert Student.objects.get(pk=student.pk).name == student.name
