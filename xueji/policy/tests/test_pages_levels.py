"""The settings pages (系统配置): each value shows where it comes from; read-only for those who only view; the
system administrator of a level edits that level's; refusals are shown in Chinese and change nothing; the pages
and the class list cost a fixed number of queries whatever the number of rows."""

import datetime as dt

import pytest
from django.urls import reverse

from xueji.core import clock
from xueji.policy import services
from xueji.policy.models import BusinessWindow, ClassCap, ControlledItem, FunctionSwitch
from xueji.policy.switches import REGISTRATION_OPEN, STATUS_CHANGES
from xueji.schools.models import SchoolClass

pytestmark = pytest.mark.django_db


def test_controlled_items_page(world, login):
    services.controlled_items_set(actor=world.user("huangshan", "sysadmin"), items=["address"])
    county = login(world.user("tunxi", "sysadmin"))
    html = county.get(reverse("policy:controlled_items")).content.decode()
    assert "共 45 项，受控 7 项" in html and "继承自huangshan authority" in html and "默认" in html
    assert 'name="items" value="address" aria-label="现住址" checked disabled' in html
    assert 'name="items" value="phone" aria-label="联系电话">' in html
    response = county.post(reverse("policy:controlled_items"), {"items": ["phone", "email"]})
    assert response["Location"] == reverse("policy:controlled_items")
    assert set(ControlledItem.objects.filter(org_unit=world.units["tunxi"]).values_list("item", flat=True)) == {
        "phone", "email"}
    html = county.get(reverse("policy:controlled_items")).content.decode()
    assert "受控字段已保存。" in html and "本级设置" in html
    # A crafted post of an item controlled above is refused with the reason, and changes nothing.
    html = county.post(reverse("policy:controlled_items"), {"items": ["phone", "name"]}).content.decode()
    assert "选择一个有效的选项" in html
    assert set(ControlledItem.objects.filter(org_unit=world.units["tunxi"]).values_list("item", flat=True)) == {
        "phone", "email"}
    # A school's registrar reads them (its items' sources), with nothing to change and no save button.
    html = login(world.user("tunxi_primary", "registrar")).get(reverse("policy:controlled_items")).content.decode()
    assert "共 45 项，受控 9 项" in html and 'type="submit"' not in html and "本级设置" not in html
    assert login(world.user("tunxi_primary", "registrar")).post(reverse("policy:controlled_items"),
                                                                {"items": ["phone"]}).status_code == 403


def test_cap_page(world, login):
    services.cap_set(actor=world.user("anhui", "sysadmin"), stage="1", cap=50)
    services.cap_set(actor=world.user("huangshan", "sysadmin"), stage="2", cap=48, locked=True)
    county = login(world.user("tunxi", "sysadmin"))
    html = county.get(reverse("policy:cap_list")).content.decode()
    assert "50 人" in html and "继承自anhui authority" in html and "huangshan authority已锁定" in html
    assert html.count("未设上限") >= 2  # senior: nobody set one
    bad = county.post(reverse("policy:cap_list"), {"cap_1": "52", "cap_3": "40"}).content.decode()
    assert "班额上限 52 人超过了anhui authority设定的 50 人：下级不能设得比上级高。" in bad
    assert not ClassCap.objects.filter(org_unit=world.units["tunxi"]).exists()
    response = county.post(reverse("policy:cap_list"), {"cap_1": "45", "locked_1": "on", "cap_2": "30"})
    assert response["Location"] == reverse("policy:cap_list")  # the junior cap under the lock is not on the form
    assert list(ClassCap.objects.filter(org_unit=world.units["tunxi"]).values_list("stage", "cap", "locked")) == [
        ("1", 45, True)]
    html = county.get(reverse("policy:cap_list")).content.decode()
    assert "班额已保存（修改了 1 项）。" in html and "本级设置" in html
    # The city sees the county's caps among those set below it.
    html = login(world.user("huangshan", "sysadmin")).get(reverse("policy:cap_list")).content.decode()
    assert "下级设定的班额" in html and 'data-testid="below-total">1<' in html and "tunxi authority" in html
    # A school's leader sees the caps of its stages, read-only.
    html = login(world.user("tunxi_primary", "leader")).get(reverse("policy:cap_list")).content.decode()
    assert "45 人" in html and "继承自tunxi authority" in html and 'type="submit"' not in html


def test_switch_page(world, login):
    province = login(world.user("anhui", "sysadmin"))
    html = province.get(reverse("policy:switch_list")).content.decode()
    assert "管理功能设置" in html and "退学" in html and "开除学籍" in html and "默认不允许" in html
    assert 'name="status_changes_1" value="31" aria-label="退学 小学">' in html  # off by default in primary
    assert 'name="status_changes_3" value="31" aria-label="退学 高中" checked' in html
    data = {"status_changes_1": ["11", "12"], "status_changes_2": ["11", "12"], "status_changes_3": ["11", "31"],
            "registration_open_1": "on", "registration_open_2": "on", "entry_age_enabled_1": "on",
            "entry_age_min_age_1": "6"}
    response = province.post(reverse("policy:switch_list"), data)
    assert response["Location"] == reverse("policy:switch_list")
    stored = {(s.stage, s.key): s.value for s in FunctionSwitch.objects.all()}
    assert stored[("1", STATUS_CHANGES)] == ["11", "12"] and stored[("3", REGISTRATION_OPEN)] is False
    assert ("1", "registration.entry_age") not in stored  # unchanged: still the default
    assert "管理功能设置已保存（修改了 4 项）。" in province.get(response["Location"]).content.decode()
    bad = province.post(reverse("policy:switch_list"), {**data, "entry_age_min_age_1": "12"})
    assert bad.status_code == 200 and "请更正下列错误。" in bad.content.decode()
    # The others read them (inherited from the province), disabled, and may not post.
    leader = login(world.user("tunxi_primary", "leader"))
    html = leader.get(reverse("policy:switch_list")).content.decode()
    assert "继承自anhui authority" in html and "disabled" in html and 'type="submit"' not in html
    assert leader.post(reverse("policy:switch_list"), data).status_code == 403
    assert login(world.user("huangshan", "sysadmin")).post(reverse("policy:switch_list"), data).status_code == 403


def test_window_pages_show_the_level_and_edit_in_place(world, login):
    today = clock.today()
    BusinessWindow.objects.create(province_code="340000", kind="changes.record", start_date=today,
                                  end_date=today + dt.timedelta(days=30))
    county = login(world.user("tunxi", "sysadmin"))
    bad = county.post(reverse("policy:window_create"), {"kind": "changes.record", "start_date": today.isoformat(),
                                                         "end_date": (today + dt.timedelta(days=40)).isoformat()})
    assert "市、县只能缩小，不能放宽" in bad.content.decode()
    assert not BusinessWindow.objects.filter(org_unit=world.units["tunxi"]).exists()
    county.post(reverse("policy:window_create"), {"kind": "changes.record", "start_date": today.isoformat(),
                                                   "end_date": (today + dt.timedelta(days=3)).isoformat()})
    narrow = BusinessWindow.objects.get(org_unit=world.units["tunxi"])
    html = county.get(reverse("policy:window_list")).content.decode()
    assert "继承自anhui authority" in html and "本级设置" in html and 'data-testid="total" title="合计">2<' in html
    assert reverse("policy:window_edit", args=[narrow.pk]) in html
    assert html.count(reverse("policy:window_edit", args=[narrow.pk])) == 1  # the province's is not the county's
    form = county.get(reverse("policy:window_edit", args=[narrow.pk])).content.decode()
    assert f'value="{today.isoformat()}"' in form
    response = county.post(reverse("policy:window_edit", args=[narrow.pk]), {
        "start_date": today.isoformat(), "end_date": (today + dt.timedelta(days=5)).isoformat(), "note": "延长"})
    assert response["Location"] == reverse("policy:window_list")
    narrow.refresh_from_db()
    assert narrow.end_date == today + dt.timedelta(days=5) and narrow.note == "延长"
    province_window = BusinessWindow.objects.get(org_unit__isnull=True)
    assert county.get(reverse("policy:window_edit", args=[province_window.pk])).status_code == 404
    html = login(world.user("anhui", "sysadmin")).get(reverse("policy:window_list")).content.decode()
    assert "由tunxi authority设定" in html


def test_the_api_answers_sources_and_refuses_with_codes(world, client):
    client.force_login(world.user("tunxi", "sysadmin"))
    services.cap_set(actor=world.user("anhui", "sysadmin"), stage="1", cap=50)
    caps = client.get("/api/v1/policy/class-caps/").json()
    assert caps[0]["effective"] == {"cap": 50, "locked_by": None,
                                    "source": {"kind": "inherited", "unit": {"id": world.units["anhui"].pk,
                                                                             "name": "anhui authority"}}}
    refused = client.put("/api/v1/policy/class-caps/", {"stage": "1", "cap": 60}, content_type="application/json",
                         HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and refused.json()["code"] == "cap_above_superior"
    assert "above the cap of 50 pupils set by anhui authority" in refused.json()["message"]
    answer = client.put("/api/v1/policy/class-caps/", {"stage": "1", "cap": 45}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()[0]["effective"]["source"]["kind"] == "own"
    klass = world.classes["tunxi_primary"]
    detail = client.get(f"/api/v1/policy/classes/{klass.pk}/cap/").json()
    assert (detail["cap"], detail["seated"], detail["left"]) == (45, 1, 44)
    items = {r["item"]: r for r in client.get("/api/v1/policy/controlled-items/").json()}
    assert items["name"]["source"] == {"kind": "default", "unit": None} and not items["name"]["editable"]
    refused = client.put("/api/v1/policy/controlled-items/", {"items": ["name"]}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "item_controlled_above"
    switches = {r["key"]: r for r in client.get("/api/v1/policy/switches/").json()}
    assert [s["value"] for s in switches["student.delete_formal"]["stages"]] == [False, False, False]
    assert client.put("/api/v1/policy/switches/", {"stage": "1", "key": "registration.open", "value": False},
                      content_type="application/json").status_code == 403
    today = clock.today()
    window = BusinessWindow.objects.create(province_code="340000", kind="changes.status", start_date=today,
                                           end_date=today + dt.timedelta(days=9))
    created = client.post("/api/v1/policy/windows/", {"kind": "changes.status", "start_date": today.isoformat(),
                                                      "end_date": (today + dt.timedelta(days=2)).isoformat()},
                          content_type="application/json")
    assert created.status_code == 201 and created.json()["source"]["kind"] == "own"
    assert created.json()["set_by"]["name"] == "tunxi authority"
    wider = client.patch(f"/api/v1/policy/windows/{created.json()['id']}/",
                         {"end_date": (today + dt.timedelta(days=20)).isoformat()}, content_type="application/json")
    assert wider.status_code == 400 and wider.json()["code"] == "window_wider_than_superior"
    assert client.patch(f"/api/v1/policy/windows/{window.pk}/", {"note": "x"},
                        content_type="application/json").status_code == 404
    listed = client.get("/api/v1/policy/windows/").json()["results"]
    assert [(w["kind"], w["source"]["kind"]) for w in listed] == [("changes.status", "inherited"),
                                                                   ("changes.status", "own")]


# ------------------------------------------------------------------ bounded queries


def _grow(world, n: int) -> None:
    """n more classes across schools and stages, caps at every level, narrowings and controlled items."""
    school = world.schools["tunxi_primary"]
    middle = world.schools["tunxi_middle"]
    first = SchoolClass.objects.count()
    for i in range(n):
        SchoolClass.objects.create(school=school if i % 2 else middle, stage="1" if i % 2 else "2",
                                   cohort_year=2020 + i % 5, number=first + i + 10)
    for unit, cap in (("anhui", 55), ("huangshan", 52), ("tunxi", 50)):
        for stage in "12":
            ClassCap.objects.get_or_create(org_unit=world.units[unit], stage=stage, defaults={"cap": cap})
    today = clock.today()
    for i in range(n):
        BusinessWindow.objects.create(province_code="340000", kind="changes.record",
                                      start_date=today + dt.timedelta(days=i), end_date=today + dt.timedelta(days=i))
        ControlledItem.objects.get_or_create(org_unit=world.units["tunxi"],
                                             item=["phone", "email", "address", "postcode", "talents"][i % 5])


@pytest.mark.parametrize(("username", "url"), [
    ("tunxi_sysadmin", "policy:controlled_items"), ("tunxi_sysadmin", "policy:cap_list"),
    ("tunxi_primary_leader", "policy:switch_list"), ("tunxi_registrar", "policy:window_list"),
    ("tunxi_registrar", "schools:class_list")])
def test_pages_cost_the_same_whatever_their_size(world, client, username, url, django_assert_max_num_queries):
    from xueji.accounts.models import User

    client.force_login(User.objects.get(username=username))
    _grow(world, 2)
    client.get(reverse(url))  # warm: the session, the menu's cached counts
    with django_assert_max_num_queries(40) as few:
        assert client.get(reverse(url)).status_code == 200
    _grow(world, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse(url)).content.decode()
    if url == "schools:class_list":
        assert html.count("50 人") >= 12 and "data-cap-source" in html
