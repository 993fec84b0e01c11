"""Policy pages (business windows, approval routes, function settings), Chinese-first pages whatever the
browser asks, and the user list's lock state in one query per page."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from xueji.accounts.models import Role, RoleAssignment, User
from xueji.core import clock
from xueji.policy.models import ApprovalRoute, BusinessWindow, PolicySetting

pytestmark = pytest.mark.django_db


def test_everyone_reads_the_windows_the_province_sysadmin_changes_them(world, login):
    today = clock.today()
    window = BusinessWindow.objects.create(province_code="340000", kind="registration.grade1",
                                           start_date=today - dt.timedelta(days=1), end_date=today)
    BusinessWindow.objects.create(province_code="320000", kind="registration.grade1", start_date=today,
                                  end_date=today)
    school = login(world.user("tunxi_primary", "registrar"))
    html = school.get(reverse("policy:window_list")).content.decode()
    assert "小学新生注册" in html and html.count("<tr") == 2  # header and Anhui's window only
    assert reverse("policy:window_delete", args=[window.pk]) not in html and reverse("policy:window_create") not in html
    assert school.post(reverse("policy:window_create"), {}).status_code == 403
    # The province's registrar reads them too, but system configuration is the system administrator's.
    assert login(world.user("anhui", "registrar")).post(reverse("policy:window_create"), {}).status_code == 403

    province = login(world.user("anhui", "sysadmin"))
    html = province.get(reverse("policy:window_list")).content.decode()
    assert reverse("policy:window_delete", args=[window.pk]) in html
    bad = province.post(reverse("policy:window_create"), {"kind": "registration.enrolled", "start_date": "2030-03-31",
                                                          "end_date": "2030-03-01"}).content.decode()
    assert "结束日期早于开始日期。" in bad
    response = province.post(reverse("policy:window_create"), {"kind": "registration.enrolled",
                                                               "start_date": "2030-03-01", "end_date": "2030-03-31",
                                                               "note": "春季"})
    assert response["Location"] == reverse("policy:window_list")
    assert BusinessWindow.objects.filter(province_code="340000", kind="registration.enrolled", note="春季").exists()
    province.post(reverse("policy:window_delete", args=[window.pk]))
    assert not BusinessWindow.objects.filter(pk=window.pk).exists()
    # Jiangsu's window is not Anhui's to delete.
    foreign = BusinessWindow.objects.get(province_code="320000")
    assert province.post(reverse("policy:window_delete", args=[foreign.pk])).status_code == 404


def test_province_adds_city_approval_to_a_route(world, window, login):
    client = login(world.user("anhui", "sysadmin"))
    html = client.get(reverse("policy:route_list")).content.decode()
    assert 'data-route="registration.enrolled"' in html and "本校" in html and "本县（区）教育局" in html
    form = client.get(reverse("policy:route_edit"), {"type": "registration.enrolled"}).content.decode()
    assert '<option value="filing_school" selected>' in form
    empty = client.post(reverse("policy:route_edit"), {"request_type": "registration.enrolled"}).content.decode()
    assert "审核流程至少要有一个环节。" in empty
    response = client.post(reverse("policy:route_edit"), {
        "request_type": "registration.enrolled", "resolver_1": "filing_school", "role_1": "leader",
        "resolver_2": "filing_county", "role_2": "registrar", "resolver_3": "filing_city", "role_3": "registrar"})
    assert response["Location"] == reverse("policy:route_list")
    route = ApprovalRoute.objects.get(province_code="340000", request_type="registration.enrolled")
    assert [s["resolver"] for s in route.steps] == ["filing_school", "filing_county", "filing_city"]
    html = client.get(reverse("policy:route_list")).content.decode()
    assert "本省流程" in html and "本市教育局" in html
    # A county registrar reads the routes but does not edit them; nor does a county's system administrator (routes
    # are the province's).
    for user in (world.user("tunxi", "registrar"), world.user("tunxi", "sysadmin"), world.user("anhui", "registrar")):
        county = login(user)
        assert reverse("policy:route_edit") not in county.get(reverse("policy:route_list")).content.decode()
        assert county.get(reverse("policy:route_edit"), {"type": "registration.enrolled"}).status_code == 403


def test_settings(world, login):
    province = login(world.user("anhui", "sysadmin"))
    html = province.get(reverse("policy:setting_list")).content.decode()
    assert 'name="proof_max_mb" value="2.0"' in html and "证明材料单个文件大小上限" in html
    response = province.post(reverse("policy:setting_list"), {"proof_max_mb": "1", "import_max_mb": "100"})
    assert response["Location"] == reverse("policy:setting_list")
    values = dict(PolicySetting.objects.filter(province_code="340000").values_list("key", "value"))
    assert values == {"proof.max_bytes": 1024 * 1024}
    assert "设置已保存（修改了 1 项）。" in province.get(response["Location"]).content.decode()
    # Others read them, disabled, and may not post.
    leader = login(world.user("tunxi_primary", "leader"))
    html = leader.get(reverse("policy:setting_list")).content.decode()
    assert 'name="proof_max_mb" value="1.0"' in html and "disabled" in html
    assert leader.post(reverse("policy:setting_list"), {"proof_max_mb": "9"}).status_code == 403
    assert login(world.user("huangshan", "sysadmin")).post(reverse("policy:setting_list"),
                                                          {"proof_max_mb": "9"}).status_code == 403


def test_web_pages_are_chinese_whatever_the_browser_asks(world, login):
    client = login(world.user("tunxi_primary", "registrar"))
    html = client.get(reverse("ui:workbench"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html and "工作台" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_ACCEPT_LANGUAGE="en")
    html = client.get(reverse("workflow:inbox"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="en">' in html and "Inbox" in html  # the user's choice wins over the header
    # The API still negotiates its language from the header.
    api = client.__class__()
    english = api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    chinese = api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["message"]
    assert english != chinese and any("\u4e00" <= c <= "\u9fff" for c in chinese)


def test_user_list_checks_lock_state_in_one_query_per_page(world, login, django_assert_max_num_queries):
    admin = world.user("tunxi", "sysadmin")
    client = login(admin)
    url = reverse("accounts:user_list")
    client.get(url)  # warm caches (content types, sessions)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for n in range(20):
        user = User.objects.create(username=f"extra{n}", full_name=f"用户{n}", org_unit=world.units["tunxi"],
                                   password_changed_at=clock.now())
        RoleAssignment.objects.create(user=user, role=Role.LEADER)
    AccessAttempt.objects.create(username="extra3", failures_since_start=9, ip_address="10.0.0.1",
                                 user_agent="t", attempt_time=clock.now(), get_data="", post_data="",
                                 http_accept="", path_info="/login/")
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        html = client.get(url).content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert html.count("bi-lock-fill") == 1  # extra3 only


def test_window_kinds_are_labelled_in_the_readers_language():
    from django.utils import translation

    from xueji.policy.choices import WINDOW_KINDS

    with translation.override("zh-hans"):
        assert str(WINDOW_KINDS["registration.grade1"]) == "小学新生注册"
    with translation.override("en"):
        assert str(WINDOW_KINDS["registration.grade1"]) == "Grade-1 entrants (小学新生注册)"
