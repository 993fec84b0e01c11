"""Registration through the web, end to end: a school registrar enters a pupil on the national form (errors in
Chinese on the right fields), submits the drafts, the school leader approves in the inbox, the county approves
in bulk, the pupil is registered with an L number; a return with its reason, correction and resubmission; the
business window; grade-1 pre-school takeover; returning pupils; foreign ids answer 404."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from xueji.core import clock, idnumbers
from xueji.policy.models import BusinessWindow
from xueji.registration.models import PreschoolRecord
from xueji.registration.services import registration_submit
from xueji.registration.tests.test_flow import pupil_row
from xueji.registration.ui.student_form import field_name
from xueji.registry.models import FamilyMember, NationalNumber, RegStatus, Student
from xueji.registry.services import student_enter
from xueji.registry.validation import validate_row
from xueji.workflow.models import Request, RequestStatus

pytestmark = pytest.mark.django_db


def _errors(html: str) -> dict[str, list[str]]:
    """The field errors of the entry form, by field name."""
    found: dict[str, list[str]] = {}
    for name, text in re.findall(r'data-error-for="([^"]+)">(.*?)</div>', html, re.S):
        found.setdefault(name, []).append(text.strip())
    return found


def web_row(klass, n: int, **over) -> dict:
    """A pupil (registration.tests.test_flow.pupil_row) as the entry form posts it."""
    flags = {"是": "1", "否": "0"}  # an import file's words; the form's selects post the codes
    data = {field_name(key): flags.get(value, value) for key, value in pupil_row(n, **over).items()
            if key != "class_name"}
    data["school_class"] = klass.pk
    data["kind"] = "enrolled"
    return data


def _draft(world, n: int, school: str = "tunxi_primary") -> Student:
    clean, errors = validate_row(pupil_row(n), today=clock.today(), require_class=False)
    assert not errors
    return student_enter(actor=world.user(school, "registrar"), school=world.schools[school],
                         school_class=world.classes[school], clean=clean)


def test_entry_form_is_the_national_form(world, login):
    html = login(world.user("tunxi_primary", "registrar")).get(reverse("registration:student_enter")).content.decode()
    for group in ("个人基础信息", "个人辅助信息", "学籍信息", "联系方式", "扩展信息", "交通方式", "家庭成员/监护人一",
                  "家庭成员/监护人二"):
        assert f'data-group="{group}"' in html
    # Code items are selects of their code table; the common case is preselected.
    assert re.search(r'<select name="ethnic"[^>]*>.*?<option value="01" selected>汉族</option>', html, re.S)
    assert '<option value="51">父亲</option>' in html  # GB/T 4761 for the guardians
    assert 'name="guardian2__id_number"' in html and 'type="month"' in html
    assert "姓名<span" in html and "必填" not in _errors(html)


def test_entry_errors_are_shown_in_chinese_on_their_fields(world, login):
    klass = world.classes["tunxi_primary"]
    client = login(world.user("tunxi_primary", "registrar"))
    bad_id = pupil_row(1)["id_number"][:-1] + ("0" if pupil_row(1)["id_number"][-1] != "0" else "1")
    response = client.post(reverse("registration:student_enter"), web_row(klass, 1, name="", id_number=bad_id,
                                                                          postcode="24500"))
    assert response.status_code == 200
    html = response.content.decode()
    errors = _errors(html)
    assert errors["name"] == ["必填项不能为空"]
    assert "校验位错误" in errors["id_number"][0]
    assert errors["postcode"] == ["邮政编码应为 6 位数字"]
    assert "请更正下列错误。" in html
    assert bad_id in html  # the typed values stay in the form
    assert not Student.objects.filter(reg_status=RegStatus.DRAFT).exists()
    # A date of birth that disagrees with the ID number: the validator names the birth date.
    enter = reverse("registration:student_enter")
    other = client.post(enter, web_row(klass, 2, birth_date="2016-06-30")).content.decode()
    assert "与身份证件号中的出生日期" in _errors(other)["birth_date"][0]


def test_duplicate_entry_is_refused_with_the_reason(world, login):
    klass = world.classes["tunxi_primary"]
    client = login(world.user("tunxi_primary", "registrar"))
    assert client.post(reverse("registration:student_enter"), web_row(klass, 3)).status_code == 302
    html = client.post(reverse("registration:student_enter"), web_row(klass, 3)).content.decode()
    assert "本校已有相同身份证件号的学籍" in html
    assert Student.objects.filter(name=pupil_row(3)["name"], reg_status=RegStatus.DRAFT).count() == 1


def test_registration_end_to_end_through_the_web(world, window, login, client):
    klass = world.classes["tunxi_primary"]
    registrar = world.user("tunxi_primary", "registrar")
    login(registrar)
    # 1. The school registrar enters two pupils on the form.
    response = client.post(reverse("registration:student_enter"), {**web_row(klass, 1), "another": "1"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("registration:student_enter"))
    response = client.post(reverse("registration:student_enter"), web_row(klass, 2))
    assert response["Location"].startswith(reverse("registration:draft_list"))
    drafts = list(Student.objects.filter(reg_status=RegStatus.DRAFT, school=klass.school).order_by("pk"))
    assert [s.name for s in drafts] == [pupil_row(1)["name"], pupil_row(2)["name"]]
    assert FamilyMember.objects.filter(student=drafts[0], name="张父", relation="51").exists()
    assert drafts[0].detail.postcode == "245000" and drafts[0].entry_date == dt.date(2022, 9, 1)

    # 2. The drafts page lists them with checkboxes; submitting them files one request.
    page = client.get(reverse("registration:draft_list")).content.decode()
    assert 'data-testid="draft-count">2<' in page
    for draft in drafts:
        assert f'name="student_ids" value="{draft.pk}"' in page
    response = client.post(reverse("registration:registration_submit"),
                           {"kind": "enrolled", "student_ids": [s.pk for s in drafts]})
    request = Request.objects.get(type="registration.enrolled")
    assert response["Location"] == reverse("workflow:request_detail", args=[request.pk])
    detail = client.get(response["Location"]).content.decode()
    assert "已提交 2 名学生的注册申请" in detail
    assert 'data-testid="decision"' not in detail  # the filer does not decide
    assert 'data-testid="withdraw"' in detail

    # 3. The school leader sees it in the inbox (and on the workbench and the navbar badge) and approves.
    leader = login(world.user("tunxi_primary", "leader"))
    bench = leader.get(reverse("ui:workbench")).content.decode()
    assert 'data-count="inbox">1<' in bench and 'data-testid="inbox-badge">1<' in bench
    inbox = leader.get(reverse("workflow:inbox")).content.decode()
    assert request.title in inbox and f'name="requests" value="{request.pk}"' in inbox
    detail = leader.get(reverse("workflow:request_detail", args=[request.pk])).content.decode()
    assert 'data-testid="approve"' in detail and 'data-testid="return"' in detail
    assert "本校" in detail and "本县（区）教育局" in detail  # the parties of the steps
    assert pupil_row(1)["name"] in detail  # the request's pupils
    response = leader.post(reverse("workflow:request_decide", args=[request.pk]),
                           {"decision": "approve", "comment": "同意"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING

    # 4. The county registrar approves in bulk from the inbox.
    county = login(world.user("tunxi", "registrar"))
    assert request.title in county.get(reverse("workflow:inbox")).content.decode()
    response = county.post(reverse("workflow:inbox_decide"), {"requests": [request.pk]})
    assert response["Location"] == reverse("workflow:inbox")
    assert "已核办 1 件申请。" in county.get(response["Location"]).content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED

    # 5. The pupils are registered with an L number, shown on their page with the number history.
    for draft in drafts:
        draft.refresh_from_db()
        assert draft.reg_status == RegStatus.REGISTERED and draft.national_number.startswith("L341002")
    page = login(registrar).get(reverse("registry:student_detail", args=[drafts[0].pk])).content.decode()
    assert f'data-number="{drafts[0].national_number}"' in page and "现用" in page
    assert 'data-testid="national-form"' in page and "245000" in page  # the detail items (邮政编码)
    history = client.get(reverse("workflow:request_detail", args=[request.pk])).content.decode()
    assert "已注册 2 名学生，发放学籍号 2 个" in history
    assert history.count('data-step-status="approved"') == 2 and "同意" in history


def test_return_with_reason_then_correct_and_resubmit(world, window, login, client):
    drafts = [_draft(world, 4), _draft(world, 5)]
    registrar = world.user("tunxi_primary", "registrar")
    request = registration_submit(actor=registrar, kind="enrolled", student_ids=[s.pk for s in drafts])
    leader = login(world.user("tunxi_primary", "leader"))
    url = reverse("workflow:request_decide", args=[request.pk])
    # A return needs its reason: the page shows the error in Chinese and nothing changes.
    html = leader.post(url, {"decision": "return", "comment": " "}).content.decode()
    assert "请填写理由。" in html
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    leader.post(url, {"decision": "return", "comment": "出生地填写有误"})
    request.refresh_from_db()
    assert request.status == RequestStatus.RETURNED

    login(registrar)
    detail = client.get(reverse("workflow:request_detail", args=[request.pk])).content.decode()
    assert "出生地填写有误" in detail and 'data-testid="resubmit"' in detail
    edit_url = reverse("registration:draft_edit", args=[drafts[0].pk])
    assert edit_url in detail  # the pupils of a returned request can be corrected
    form = client.get(edit_url).content.decode()
    # The stored ID opens masked and empty (control 29): left empty it is kept, typed in full it is replaced.
    assert drafts[0].id_number not in form and 'value="341002"' in form
    assert f'placeholder="{idnumbers.mask(drafts[0].id_number)}"' in form
    response = client.post(edit_url, web_row(world.classes["tunxi_primary"], 4, birthplace="341021"))
    assert response["Location"] == reverse("workflow:request_detail", args=[request.pk])
    drafts[0].refresh_from_db()
    assert drafts[0].detail.birthplace == "341021"
    client.post(reverse("workflow:request_resubmit", args=[request.pk]))
    request.refresh_from_db()
    assert (request.status, request.round) == (RequestStatus.PENDING, 2)
    page = login(world.user("tunxi_primary", "leader")).get(reverse("workflow:request_detail", args=[request.pk]))
    html = page.content.decode()
    assert 'data-testid="round-1"' in html and 'data-testid="round-2"' in html and "出生地填写有误" in html


def test_withdraw_gives_the_pupils_back(world, window, login):
    draft = _draft(world, 6)
    request = registration_submit(actor=world.user("tunxi_primary", "registrar"), kind="enrolled",
                                  student_ids=[draft.pk])
    client = login(world.user("tunxi_primary", "registrar"))
    client.post(reverse("workflow:request_withdraw", args=[request.pk]))
    request.refresh_from_db()
    draft.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN and draft.reg_status == RegStatus.DRAFT


def test_outside_the_window_the_refusal_names_the_window(world, login):
    BusinessWindow.objects.create(province_code="340000", kind="registration.enrolled",
                                  start_date=dt.date(2020, 3, 1), end_date=dt.date(2020, 3, 31))
    draft = _draft(world, 7)
    client = login(world.user("tunxi_primary", "registrar"))
    response = client.post(reverse("registration:registration_submit"), {"kind": "enrolled", "student_ids": [draft.pk]},
                           HTTP_REFERER="http://testserver" + reverse("registration:draft_list"))
    assert response["Location"] == "http://testserver" + reverse("registration:draft_list")
    html = client.get(reverse("registration:draft_list")).content.decode()
    assert "在校生注册不在业务时间内" in html and "2020-03-01 至 2020-03-31" in html
    draft.refresh_from_db()
    assert draft.reg_status == RegStatus.DRAFT and not Request.objects.exists()


def test_submitting_everything_the_filter_shows(world, window, login):
    drafts = [_draft(world, n) for n in (8, 9, 10)]
    client = login(world.user("tunxi_primary", "registrar"))
    client.post(reverse("registration:registration_submit"), {"kind": "enrolled", "everything": "1"})
    request = Request.objects.get()
    assert request.payload["count"] == 3
    assert set(Student.objects.filter(registration_request_id=request.pk).values_list("pk", flat=True)) == {
        s.pk for s in drafts}


def test_delete_a_draft(world, login):
    draft = _draft(world, 11)
    client = login(world.user("tunxi_primary", "registrar"))
    assert client.post(reverse("registration:draft_delete", args=[draft.pk])).status_code == 302
    assert not Student.objects.filter(pk=draft.pk).exists()


def test_grade1_takes_the_preschool_record_over(world, window, login):
    birth = dt.date(clock.today().year - 7, 3, 15)
    number = idnumbers.make("341002", birth, 31)
    record = PreschoolRecord.objects.create(province_code="340000", id_number=number, name="程小雨", sex="1",
                                            birth_date=birth, kindergarten="屯溪区实验幼儿园",
                                            data={"native_place": "341002", "phone": "13700001111"})
    client = login(world.user("tunxi_primary", "registrar"))
    html = client.post(reverse("registration:grade1_lookup"), {"id_number": number}).content.decode()
    assert "已找到学前教育学籍（屯溪区实验幼儿园）" in html
    assert 'value="程小雨"' in html and f'name="preschool" value="{number}"' in html
    assert 'value="13700001111"' in html  # other items the record carries
    klass = world.classes["tunxi_primary"]
    data = web_row(klass, 0, name="程小雨", birth_date=birth.isoformat(), id_number=number, sex="1")
    response = client.post(f"{reverse('registration:student_enter')}?kind=grade1", {**data, "preschool": number,
                                                                                    "kind": "grade1"})
    assert response.status_code == 302 and "kind=grade1" in response["Location"]
    record.refresh_from_db()
    assert record.taken_over_by.name == "程小雨"
    # Not found: the form opens with the ID number filled in.
    lookup = reverse("registration:grade1_lookup")
    html = client.post(lookup, {"id_number": idnumbers.make("341002", birth, 33)}).content
    assert "没有找到该身份证件号的学前教育学籍" in html.decode()


def test_returning_pupil_search_shows_masked_matches_and_takes_over(world, window, login):
    other = world.students["xuanwu_primary"]  # another province's record
    Student.objects.filter(pk=other.pk).update(status="03")  # left the school (went abroad)
    client = login(world.user("tunxi_primary", "registrar"))
    html = client.post(reverse("registration:returning_search"), {"id_number": other.id_number}).content.decode()
    match = html[html.index('data-testid="match"'):]
    assert other.id_number not in match.replace(f'value="{other.id_number}"', "")  # shown masked
    assert idnumbers.mask(other.id_number) in match and "已有学籍，由xuanwu authority管理" in match
    assert other.name not in match and "xuanwu_primary" not in match  # neither the pupil nor the school
    klass = world.classes["tunxi_primary"]
    response = client.post(reverse("registration:returning_takeover"), {
        f"m{other.pk}-student": other.pk, f"m{other.pk}-school_class": klass.pk,
        f"m{other.pk}-id_number": other.id_number})
    request = Request.objects.get(type="registration.returning")
    assert response["Location"] == reverse("workflow:request_detail", args=[request.pk])
    # Walking record ids without the search terms finds nothing.
    response = client.post(reverse("registration:returning_takeover"), {
        "x-student": world.students["shexian_primary"].pk, "x-school_class": klass.pk, "x-id_number": "1"})
    assert response.status_code == 404
    # No match: the page offers to enter a new record.
    html = client.post(reverse("registration:returning_search"), {"name": "无此人", "sex": "1",
                                                                  "birth_date": "2015-01-01"}).content.decode()
    assert "没有查到已有学籍" in html and "kind=returning" in html
    search = reverse("registration:returning_search")
    assert "请按身份证件号查询" in client.post(search, {"name": "只有姓名"}).content.decode()


def test_foreign_ids_answer_404(world, window, login):
    foreign = _draft(world, 12, school="xuanwu_primary")
    request = registration_submit(actor=world.user("xuanwu_primary", "registrar"), kind="enrolled",
                                  student_ids=[foreign.pk])
    own = _draft(world, 13)
    client = login(world.user("tunxi_primary", "registrar"))
    assert client.get(reverse("registration:draft_edit", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("registration:draft_delete", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("workflow:request_detail", args=[request.pk])).status_code == 404
    response = client.post(reverse("registration:registration_submit"), {"kind": "enrolled",
                                                                         "student_ids": [own.pk, foreign.pk]})
    assert response.status_code == 404
    own.refresh_from_db()
    assert own.reg_status == RegStatus.DRAFT
    entry = web_row(world.classes["xuanwu_primary"], 14)
    assert client.post(reverse("registration:student_enter"), entry).status_code == 404
    assert not NationalNumber.objects.exists()


def test_authorities_do_not_enter_pupils(world, login):
    client = login(world.user("tunxi", "registrar"))
    response = client.get(reverse("registration:student_enter"))
    assert response["Location"] == reverse("registration:draft_list")
    enter = reverse("registration:student_enter")
    html = client.post(enter, web_row(world.classes["tunxi_primary"], 15)).content.decode()
    assert "此项业务由学生所在学校办理。" in html
    assert not Student.objects.filter(reg_status=RegStatus.DRAFT).exists()
