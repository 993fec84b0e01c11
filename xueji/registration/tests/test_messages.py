"""Every message a user reads is in the user's language: pages in Chinese, the API per Accept-Language
(Chinese when absent), with a stable code."""

import pytest
from django.urls import reverse
from django.utils import translation

from xueji.registry.models import Student


@pytest.mark.parametrize(("language", "expected"), [
    (None, "此项业务由学生所在学校办理。"),
    ("zh-CN,zh;q=0.9", "此项业务由学生所在学校办理。"),
    ("en-US,en;q=0.8", "This is done by the pupil's school."),
])
def test_api_errors_answer_in_the_language_of_the_request(world, login, language, expected):
    client = login(world.user("tunxi", "registrar"))  # a county files no registration: the school does
    pupil = world.students["tunxi_primary"]
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = client.post(reverse("api:registration-submit"), {"kind": "enrolled", "student_ids": [pupil.pk]},
                           content_type="application/json", **headers)
    assert response.status_code == 400
    assert response.json() == {"code": "school_only", "message": expected}
    assert Student.objects.get(pk=pupil.pk).registration_request_id is None  # nothing filed


def test_every_code_and_problem_history_label_has_chinese_words():
    from xueji.core.messages import _BY_CODE, _BY_TEXT  # every app's errors.py, registered at start-up
    from xueji.problems.choices import EVENT_LABELS, SOURCE_LABELS

    words = {**_BY_CODE, **_BY_TEXT, **EVENT_LABELS, **{f"source:{k}": v for k, v in SOURCE_LABELS.items()}}
    with translation.override("zh-hans"):
        chinese = {key: str(value) for key, value in words.items()}
    with translation.override("en"):
        english = {key: str(value) for key, value in words.items()}
    untranslated = sorted(key for key in words if chinese[key] == english[key])
    assert untranslated == []
    assert chinese["arbitration_choice"] != "Arbiter's choice" and chinese["filed_confirm"] != "Confirmation filed"


def test_the_row_validators_messages_follow_the_language_too(world, login):
    client = login(world.user("tunxi_primary", "registrar"))
    body = {"school_class": world.classes["tunxi_primary"].pk, "postcode": "24500"}
    english = client.post(reverse("api:student-enter"), body, content_type="application/json",
                          HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.post(reverse("api:student-enter"), body, content_type="application/json").json()
    assert english["message"] == "The pupil's data is invalid: see each item."
    assert english["details"]["postcode"] == ["邮政编码：A postcode has 6 digits"]
    assert english["details"]["name"] == ["姓名：Required"]
    assert chinese["message"] == "学生信息有误，请按各项的提示修改。"
    assert chinese["details"]["postcode"] == ["邮政编码：邮政编码应为 6 位数字"]
    assert chinese["details"]["name"] == ["姓名：必填项不能为空"]


def test_a_record_outside_the_jurisdiction_answers_404_in_the_readers_language(world, login):
    client = login(world.user("tunxi_primary", "registrar"))
    foreign = world.students["xuanwu_primary"]
    body = {"student": foreign.pk, "school_class": world.classes["tunxi_primary"].pk, "id_number": "1"}
    response = client.post(reverse("api:returning-takeover"), body, content_type="application/json")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "未找到该学生。"}
    english = client.post(reverse("api:returning-takeover"), body, content_type="application/json",
                          HTTP_ACCEPT_LANGUAGE="en")
    assert english.json() == {"code": "not_found", "message": "Pupil not found."}


def test_the_business_window_refusal_follows_the_language(world, login):
    import datetime as dt

    from xueji.policy.models import BusinessWindow

    BusinessWindow.objects.create(province_code="340000", kind="registration.enrolled",
                                  start_date=dt.date(2020, 3, 1), end_date=dt.date(2020, 3, 31))
    client = login(world.user("tunxi_primary", "registrar"))
    body = {"kind": "enrolled", "student_ids": [world.students["tunxi_primary"].pk]}
    chinese = client.post(reverse("api:registration-submit"), body, content_type="application/json").json()
    english = client.post(reverse("api:registration-submit"), body, content_type="application/json",
                          HTTP_ACCEPT_LANGUAGE="en").json()
    assert chinese["code"] == english["code"] == "outside_business_window"
    assert "不在业务时间内" in chinese["message"] and "2020-03-01 至 2020-03-31" in chinese["message"]
    assert "outside its business window" in english["message"] and "2020-03-01 to 2020-03-31" in english["message"]
