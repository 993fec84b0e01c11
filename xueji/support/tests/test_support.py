"""服务支持: the issue's demo story (a school registrar asks, nobody at the county is online, the ticket escalates to
the city after the response time and is answered there), live conversations, the staff's actions and their refusals,
the FAQ, and announcements reaching exactly their audience (UI and API)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from xueji.core import clock
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from xueji.support import selectors, services
from xueji.support.choices import AnnouncementStatus, EventKind, Outcome, TicketStatus
from xueji.support.models import Announcement, AnnouncementRead, Ticket, TicketEvent, TicketLevel
from xueji.testing.fingerprint import fingerprint
from xueji.workflow import selectors as workflow_selectors
from xueji.workflow import services as workflow_services

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.SHANGHAI)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _png(name="screen.png"):
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"0" * 32, content_type="image/png")


def _ask(user, **extra):
    values = {"title": "导入失败", "description": "批量导入时提示格式错误", "category": "data", "steps": "1. 上传",
              "contact": "0559-1234567"}
    return services.ticket_ask(actor=user, **(values | extra))


def test_the_demo_story_escalates_to_the_city_and_is_answered_there(world, client):
    """School registrar asks; nobody at the county is online; after the county's response time the periodic job
    moves the ticket to the city, which answers and solves it; the school confirms and rates; the solver publishes
    it to the FAQ, which the next asker finds."""
    asker = world.user("tunxi_primary", "registrar")
    county, city = world.user("tunxi", "registrar"), world.user("huangshan", "registrar")
    with clock.frozen(START):
        ticket = _ask(asker, uploads=[_png()])
    assert ticket.status == TicketStatus.OPEN and ticket.level_org == world.units["tunxi"]
    assert ticket.attachments.count() == 1
    assert selectors.ticket_list(user=county, filters={"box": "queue"}).filter(pk=ticket.pk).exists()
    assert not selectors.ticket_list(user=city).filter(pk=ticket.pk).exists()
    with clock.frozen(START + dt.timedelta(minutes=119)):
        assert services.tickets_escalate_overdue() == 0
    with clock.frozen(START + dt.timedelta(minutes=121)):
        assert services.tickets_escalate_overdue() == 1
    ticket.refresh_from_db()
    assert ticket.level_org == world.units["huangshan"] and ticket.status == TicketStatus.OPEN
    assert ticket.due_at == START + dt.timedelta(minutes=121 + 240)
    levels = list(ticket.levels.order_by("id"))
    assert [(lv.org_unit_id, lv.outcome) for lv in levels] == [(world.units["tunxi"].pk, Outcome.ESCALATED),
                                                               (world.units["huangshan"].pk, "")]
    assert ticket.events.filter(kind=EventKind.ESCALATED).count() == 1
    # The county no longer sees it; the city does; the school still does.
    assert not selectors.ticket_list(user=county).filter(pk=ticket.pk).exists()
    with pytest.raises(NotFound):
        selectors.ticket_get(user=county, pk=ticket.pk)
    client.force_login(city)
    with clock.frozen(START + dt.timedelta(minutes=130)):
        response = client.post(reverse("api:support-ticket-answer", args=[ticket.pk]),
                               {"text": "请用模板重新导出", "action": "solve"}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "solved"
    city_level = body["levels"][-1]
    assert city_level["response_seconds"] == 9 * 60 and city_level["solve_seconds"] == 9 * 60
    client.force_login(asker)
    response = client.post(reverse("api:support-ticket-rate", args=[ticket.pk]), {"rating": 5, "comment": "好"},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    ticket.refresh_from_db()
    services.faq_publish(actor=city, ticket=ticket, question="批量导入提示格式错误怎么办？", answer="用模板重新导出。")
    client.force_login(world.user("shexian_primary", "registrar"))  # another school of the city finds it
    page = client.get(reverse("support:ticket_ask"), {"q": "导入 格式"})
    assert "批量导入提示格式错误怎么办" in page.content.decode()
    assert client.get(reverse("api:support-faq-list"), {"q": "格式"}).json()["count"] == 1
    client.force_login(world.user("xuanwu_primary", "registrar"))  # another province does not
    assert client.get(reverse("api:support-faq-list"), {"q": "格式"}).json()["count"] == 0


@override_settings(XUEJI_SUPPORT_PRESENCE=True)
def test_an_online_county_opens_a_live_conversation_polled_in_the_page(world, client):
    county = world.user("tunxi", "registrar")
    client.force_login(county)
    assert client.get(reverse("support:ticket_list")).status_code == 200  # a request: the county is online
    asker = world.user("tunxi_primary", "registrar")
    client.force_login(asker)
    response = client.post(reverse("support:ticket_ask"), {"title": "登录", "category": "account",
                                                           "description": "密码过期"})
    assert response.status_code == 302
    ticket = Ticket.objects.get(asker=asker)
    assert ticket.status == TicketStatus.LIVE
    page = client.get(reverse("support:ticket_detail", args=[ticket.pk])).content.decode()
    assert 'hx-trigger="every 3s"' in page
    client.force_login(county)
    client.post(reverse("support:ticket_act", args=[ticket.pk]),
                {"act": "message", "text": "请重置", "action": "answer"})
    client.force_login(asker)
    thread = client.get(reverse("support:ticket_thread", args=[ticket.pk])).content.decode()
    assert "请重置" in thread
    ticket.refresh_from_db()
    assert ticket.taken_by == county and ticket.status == TicketStatus.LIVE
    with clock.shifted(dt.timedelta(days=2)):
        assert services.tickets_escalate_overdue() == 0  # taken: it stays


def test_a_city_ticket_nobody_takes_climbs_one_level_a_run_and_stops_at_the_ministry(world):
    with clock.frozen(START):
        ticket = _ask(world.user("huangshan", "registrar"))
    assert ticket.level_org == world.units["anhui"]
    with clock.frozen(START + dt.timedelta(hours=9)):
        assert services.tickets_escalate_overdue() == 1
    with clock.frozen(START + dt.timedelta(days=30)):
        assert services.tickets_escalate_overdue() == 0  # the ministry is the last level
    ticket.refresh_from_db()
    assert ticket.level_org == world.units["ministry"]


def test_the_escalation_is_one_update_per_level_whatever_the_number(world, django_assert_max_num_queries):
    with clock.frozen(START):
        for n in range(12):
            _ask(world.user("tunxi_primary" if n % 2 else "shexian_primary", "registrar"), title=f"问题{n}")
        _ask(world.user("tunxi", "registrar"))
    with clock.frozen(START + dt.timedelta(hours=5)), django_assert_max_num_queries(12):
        assert services.tickets_escalate_overdue() == 13
    assert TicketLevel.objects.filter(left_at__isnull=True).count() == 13
    assert TicketEvent.objects.filter(kind=EventKind.ESCALATED).count() == 13


def test_staff_take_ask_back_pass_up_and_the_refusals(world):
    asker, county = world.user("tunxi_primary", "registrar"), world.user("tunxi", "registrar")
    ticket = _ask(asker)
    with pytest.raises(Forbidden):
        services.ticket_take(actor=world.user("tunxi", "leader"), ticket=ticket)
    with pytest.raises(Forbidden):
        services.ticket_take(actor=asker, ticket=ticket)
    services.ticket_take(actor=county, ticket=ticket)
    with pytest.raises(Conflict):
        services.ticket_take(actor=county, ticket=ticket)
    services.ticket_answer(actor=county, ticket=ticket, text="哪个班？", action="ask_back")
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.ASKED_BACK
    with pytest.raises(Forbidden):
        services.ticket_answer(actor=asker, ticket=ticket, text="x", action="solve")
    services.ticket_answer(actor=asker, ticket=ticket, text="一年级1班", uploads=[_png()])
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.TAKEN
    with pytest.raises(ValidationFailed):
        services.ticket_answer(actor=asker, ticket=ticket, text="x",
                               uploads=[SimpleUploadedFile("a.exe", b"MZ....", content_type="image/png")])
    services.ticket_pass_up(actor=county, ticket=ticket, reason="需要市里的权限")
    ticket.refresh_from_db()
    assert ticket.level_org == world.units["huangshan"] and ticket.taken_by is None
    assert ticket.levels.first().outcome == Outcome.PASSED_UP
    with pytest.raises(Conflict):
        services.ticket_rate(actor=asker, ticket=ticket, rating=5)


def test_a_pupil_is_linked_only_if_the_asker_sees_it(world):
    asker = world.user("tunxi_primary", "registrar")
    own = world.students["tunxi_primary"]
    assert _ask(asker, student_id=own.pk).student == own
    with pytest.raises(ValidationFailed) as refused:
        _ask(asker, student_id=world.students["shexian_primary"].pk)
    assert refused.value.code == "support_link_not_found"


def test_an_answer_to_a_ticket_one_may_not_see_is_refused_and_changes_nothing(world, client):
    ticket = _ask(world.user("tunxi_primary", "registrar"))
    for username in ("shexian_registrar", "huangshan_registrar", "tunxi_middle_registrar", "anhui_registrar"):
        client.force_login(world.user(*username.rsplit("_", 1)))
        before = fingerprint()
        response = client.post(reverse("api:support-ticket-answer", args=[ticket.pk]), {"text": "我来"},
                               content_type="application/json")
        assert response.status_code == 404, username
        assert fingerprint() == before


def test_the_ticket_list_page_stays_within_its_query_budget(world, client, django_assert_max_num_queries):
    asker = world.user("tunxi_primary", "registrar")
    for n in range(12):
        _ask(asker, title=f"问题{n}")
    for user in (asker, world.user("tunxi", "registrar")):
        client.force_login(user)
        client.get(reverse("support:ticket_list"))
        with django_assert_max_num_queries(14):
            response = client.get(reverse("support:ticket_list"))
        assert response.status_code == 200 and response.content.decode().count("data-ticket=") == 12
        with django_assert_max_num_queries(14):
            assert client.get(reverse("api:support-ticket-list")).json()["count"] == 12


# ---------------------------------------------------------------- announcements


def _province_announcement(world, **extra):
    values = {"title": "学籍年报通知", "body": "请各校按时上报。", "target_ids": [world.units["tunxi"].pk],
              "roles": ["registrar"], "stages": ["1"]}
    return services.announcement_publish(actor=world.user("anhui", "registrar"), **(values | extra))


def test_a_province_announcement_is_approved_by_its_leader_and_reaches_exactly_its_audience(world, client):
    """To 屯溪区, registrars, primary stage: the county's registrar and the primary school's registrar; not the
    junior school (stage 2), not leaders, not 歙县, not the other province."""
    announcement = _province_announcement(world, uploads=[_png("通知.png")])
    assert announcement.status == AnnouncementStatus.PENDING and announcement.request_id
    primary = world.user("tunxi_primary", "registrar")
    assert not selectors.announcement_list(user=primary).exists()  # not before the approval
    leader = world.user("anhui", "leader")
    step = workflow_selectors.inbox(user=leader).get(request_id=announcement.request_id)
    assert step is not None
    workflow_services.request_decide(actor=leader, request=announcement.request, approve=True)
    announcement.refresh_from_db()
    assert announcement.status == AnnouncementStatus.PUBLISHED
    audience = set(selectors.audience(announcement=announcement).values_list("username", flat=True))
    assert audience == {"tunxi_registrar", "tunxi_primary_registrar"}
    for (unit, role), user in world.users.items():
        sees = selectors.announcement_list(user=user).filter(pk=announcement.pk).exists()
        assert sees == (user.username in audience or (unit == "anhui" and role == "registrar")), user.username
    client.force_login(primary)
    assert client.get(reverse("api:support-announcement-list"), {"box": "unread"}).json()["count"] == 1
    assert client.get(reverse("support:announcement_detail", args=[announcement.pk])).status_code == 200
    assert AnnouncementRead.objects.filter(announcement=announcement, user=primary).exists()
    assert client.get(reverse("api:support-announcement-list"), {"box": "unread"}).json()["count"] == 0
    client.force_login(world.user("tunxi_middle", "registrar"))
    assert client.get(reverse("support:announcement_detail", args=[announcement.pk])).status_code == 404
    client.force_login(world.user("anhui", "registrar"))
    unread = client.get(reverse("api:support-announcement-unread", args=[announcement.pk])).json()
    assert (unread["total"], unread["read"], unread["unread"]) == (2, 1, 1)
    assert [u["username"] for u in unread["users"]] == ["tunxi_registrar"]
    page = client.get(reverse("support:announcement_unread", args=[announcement.pk])).content.decode()
    assert 'data-user="tunxi_registrar"' in page and 'data-user="tunxi_primary_registrar"' not in page


def test_a_county_publishes_at_once_and_only_below_itself(world, client):
    county = world.user("tunxi", "registrar")
    client.force_login(county)
    page = client.get(reverse("support:announcement_new")).content.decode()
    assert "tunxi_primary" in page and "shexian_primary" not in page  # picked from the tree below it
    response = client.post(reverse("support:announcement_new"), {
        "title": "放假通知", "body": "周五放假", "targets": [world.units["tunxi_primary"].pk], "pinned": "on"})
    assert response.status_code == 302, response.content.decode()[:500]
    announcement = Announcement.objects.get(title="放假通知")
    assert announcement.status == AnnouncementStatus.PUBLISHED and announcement.pinned
    before = fingerprint()
    response = client.post(reverse("api:support-announcement-list"), {
        "title": "越界", "body": "x", "targets": [world.units["shexian_primary"].pk]}, content_type="application/json")
    assert response.status_code == 404 and fingerprint() == before
    audience = set(selectors.audience(announcement=announcement).values_list("username", flat=True))
    assert audience == {f"tunxi_primary_{role}" for role in ("registrar", "leader", "sysadmin", "auditor",
                                                            "security")}


def test_an_expired_announcement_is_not_shown(world):
    announcement = services.announcement_publish(
        actor=world.user("tunxi", "registrar"), title="旧", body="旧", target_ids=[world.units["tunxi_primary"].pk],
        valid_from=clock.today() - dt.timedelta(days=10), valid_until=clock.today() - dt.timedelta(days=1))
    assert not selectors.announcement_list(user=world.user("tunxi_primary", "registrar")).filter(
        pk=announcement.pk).exists()


def test_the_staff_page_of_a_ticket_offers_take_and_a_message_by_htmx_returns_the_thread(world, client):
    ticket = _ask(world.user("tunxi_primary", "registrar"), uploads=[_png()])
    client.force_login(world.user("tunxi", "registrar"))
    page = client.get(reverse("support:ticket_detail", args=[ticket.pk])).content.decode()
    assert 'data-testid="take"' in page and "screen.png" in page
    attachment = ticket.attachments.get()
    assert client.get(reverse("support:attachment", args=[attachment.pk])).status_code == 200
    response = client.post(reverse("support:ticket_act", args=[ticket.pk]),
                           {"act": "message", "text": "已收到", "action": "answer"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "已收到" in response.content.decode()
    client.force_login(world.user("shexian_primary", "registrar"))
    assert client.get(reverse("support:attachment", args=[attachment.pk])).status_code == 404


def test_the_announcement_and_faq_pages_stay_within_their_query_budgets(world, client, django_assert_max_num_queries):
    county = world.user("tunxi", "registrar")
    for n in range(12):
        services.announcement_publish(actor=county, title=f"通知{n}", body="正文",
                                      target_ids=[world.units["tunxi_primary"].pk], roles=["registrar"])
    ticket = _ask(world.user("tunxi_primary", "registrar"))
    services.ticket_answer(actor=county, ticket=ticket, text="答", action="solve")
    services.faq_publish(actor=county, ticket=Ticket.objects.get(pk=ticket.pk), question="问", answer="答")
    announcement = Announcement.objects.first()
    pages = [(world.user("tunxi_primary", "registrar"), reverse("support:announcement_list"), 14),
             (world.user("tunxi_primary", "registrar"), reverse("support:faq_list"), 14),
             (county, reverse("support:announcement_list") + "?box=published", 14),
             (county, reverse("support:announcement_unread", args=[announcement.pk]), 14),
             (county, reverse("support:announcement_detail", args=[announcement.pk]), 16)]
    for user, url, budget in pages:
        client.force_login(user)
        assert client.get(url).status_code == 200, url
        with django_assert_max_num_queries(budget, info=url):
            assert client.get(url).status_code == 200
    client.force_login(world.user("tunxi_primary", "registrar"))
    assert client.get(reverse("support:announcement_list")).content.decode().count("data-announcement=") == 12
