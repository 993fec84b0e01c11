"""The pupil's pages (issue 8, items 12-15): the action bar, the record as of a date, the timeline page and the
printable record card."""

import datetime as dt
import io

import pytest
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.registry.models import Student, StudentDetail, StudentHistory
from xueji.registry.ui import actions
from xueji.registry.ui.actions import PupilAction, register_pupil_action

pytestmark = pytest.mark.django_db


def _detail(client, student, **query):
    response = client.get(reverse("registry:student_detail", args=[student.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_action_bar_offers_what_the_user_may_do(world, login):
    student = world.students["tunxi_primary"]
    html = _detail(login(world.user("tunxi_primary", "leader")), student)

    assert 'data-action="print"' in html and 'data-action="timeline"' in html
    # 修改 and 异动 are pages of the changes app: not offered while it has none.
    assert 'data-action="edit"' not in html or reverse("changes:record_edit", args=[student.pk]) in html


@pytest.fixture
def extra_action():
    saved = dict(actions._actions)
    yield
    actions._actions.clear()
    actions._actions.update(saved)


def test_an_action_follows_the_target_views_capability_predicate_and_existence(world, login, extra_action):
    student = world.students["tunxi_primary"]
    register_pupil_action(
        PupilAction("fix", "更正", "bi-pencil", "registration:draft_edit"),  # needs student.edit
        PupilAction("nowhere", "不存在", "bi-x", "nowhere:page"),
        PupilAction("never", "从不", "bi-x", "registry:student_timeline", when=lambda user, pupil: False))

    leader = _detail(login(world.user("tunxi_primary", "leader")), student)
    registrar = _detail(login(world.user("tunxi_primary", "registrar")), student)

    assert 'data-action="fix"' not in leader and 'data-action="fix"' in registrar
    assert 'data-action="nowhere"' not in registrar and 'data-action="never"' not in registrar


def test_the_page_shows_region_and_country_names_never_codes(world, login):
    student = world.students["tunxi_primary"]
    StudentDetail.objects.create(student=student, birthplace="341002", native_place="341021")
    Student.objects.filter(pk=student.pk).update(nationality="KOR")

    html = _detail(login(world.user("tunxi_primary", "registrar")), student)

    assert "安徽省黄山市屯溪区" in html and "安徽省黄山市歙县" in html and "韩国" in html
    assert ">341021<" not in html and ">KOR<" not in html


def test_the_record_as_of_a_date_on_the_page(world, login):
    student = world.students["tunxi_primary"]
    registrar = world.user("tunxi_primary", "registrar")
    Student.objects.filter(pk=student.pk).update(created_at=clock.now() - dt.timedelta(days=60), phone="13800000001")
    StudentHistory.objects.create(student=student, kind="items", changes={"phone": ["13800000001", "13900000002"]},
                                  at=clock.now() - dt.timedelta(days=5), actor=registrar)
    Student.objects.filter(pk=student.pk).update(phone="13900000002")
    client = login(registrar)

    then = _detail(client, student, as_of=(clock.today() - dt.timedelta(days=10)).isoformat())
    before = _detail(client, student, as_of=(clock.today() - dt.timedelta(days=90)).isoformat())
    broken = _detail(client, student, as_of="yesterday")

    assert 'data-testid="as-of-banner"' in then and "13800000001" in then and "13900000002" not in then
    assert 'data-testid="as-of-none"' in before and "尚无学籍记录" in before
    assert "日期无效" in broken and "13900000002" in broken


def test_the_timeline_page_pages_with_htmx(world, login):
    student = world.students["tunxi_primary"]
    StudentHistory.objects.bulk_create([StudentHistory(student=student, kind="status", old="01", new="02",
                                                       at=clock.now() - dt.timedelta(days=n)) for n in range(1, 30)])
    client = login(world.user("tunxi_primary", "registrar"))
    url = reverse("registry:student_timeline", args=[student.pk])

    first = client.get(url).content.decode()
    more = first.split('data-testid="timeline-more"')[0].rsplit('hx-get="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(url + more, HTTP_HX_REQUEST="true").content.decode()

    assert first.count('class="timeline-entry') == 20
    assert "<html" not in second and second.count('class="timeline-entry') == 10
    assert "学籍记录建立" in first  # the record was entered today: the newest entry


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_record_card_is_a_pdf_with_the_school_and_print_date_and_every_download_is_audited(world, login):
    student = world.students["tunxi_primary"]
    client = login(world.user("tunxi_primary", "leader"))
    url = reverse("registry:student_card", args=[student.pk])

    first, second = client.get(url), client.get(url)

    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    text = _pdf_text(first.content)
    assert "学生信息表" in text and student.school.name in text and clock.today().isoformat() in text
    assert "个人基础信息" in text and "家庭成员及监护人" in text and "家长1" in text
    assert student.id_number not in text  # a leader's card is masked as the page is
    events = AuditEvent.objects.filter(action="student.card_print", object_id=str(student.pk))
    assert events.count() == 2 and events.first().after["id_numbers"] == "masked"
    assert second.status_code == 200


def test_a_card_as_of_a_day_without_the_record_is_not_found(world, login):
    student = world.students["tunxi_primary"]
    response = login(world.user("tunxi_primary", "registrar")).get(
        reverse("registry:student_card", args=[student.pk]), {"as_of": "2000-01-01"})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="student.card_print").exists()
