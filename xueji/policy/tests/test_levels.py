"""Settings by level: each value reaches the units below the level that set it, and says where it comes from
(own level, inherited from a named level, or the default). Bad input is refused with a precise reason and a
stable code, and changes nothing."""

import datetime as dt

import pytest
from django.utils import translation

from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from xueji.core.messages import user_message
from xueji.policy import selectors, services
from xueji.policy.models import BusinessWindow, ClassCap, ControlledItem, FunctionSwitch
from xueji.policy.switches import DELETE_FORMAL, ENTRY_AGE, REGISTRATION_OPEN, STATUS_CHANGE_CODES, STATUS_CHANGES

pytestmark = pytest.mark.django_db


def admin(world, unit):
    return world.user(unit, "sysadmin")


def _zh(exc) -> str:
    with translation.override("zh-hans"):
        return user_message(exc)


# ------------------------------------------------------------------ who configures


def test_configuration_is_the_system_administrators_of_each_level(world):
    for unit, cap in (("anhui", 50), ("huangshan", 48), ("tunxi", 45)):
        services.cap_set(actor=admin(world, unit), stage="2", cap=cap)
    for user in (world.user("anhui", "registrar"), world.user("tunxi", "leader"), world.user("tunxi_primary",
                                                                                             "sysadmin")):
        with pytest.raises(Forbidden):
            services.cap_set(actor=user, stage="1", cap=40)
        with pytest.raises(Forbidden):
            services.controlled_items_set(actor=user, items=["phone"])
    # What only a province sets stays the province's, edited by its system administrator.
    with pytest.raises(Forbidden):
        services.switch_set(actor=admin(world, "huangshan"), stage="1", key=REGISTRATION_OPEN, value=False)
    with pytest.raises(Forbidden):
        services.setting_set(actor=admin(world, "tunxi"), key="proof.max_bytes", value=1)
    # Registrars and leaders read the settings that bind them; so do system administrators.
    for role in ("registrar", "leader", "sysadmin"):
        assert selectors.cap_rows(user=world.user("tunxi_primary" if role != "sysadmin" else "tunxi", role))
    with pytest.raises(Forbidden):
        selectors.cap_rows(user=world.user("tunxi", "auditor"))


# ------------------------------------------------------------------ controlled record items


def test_controlled_items_default_to_the_identity_items_and_ethnic_group(world):
    school = world.schools["tunxi_primary"]
    assert selectors.controlled_items(school=school) == dict.fromkeys(
        ["id_type", "id_number", "name", "sex", "birth_date", "ethnic"])
    rows = {r["item"]: r for r in selectors.controlled_item_rows(user=world.user("tunxi_primary", "registrar"))}
    assert rows["name"]["controlled"] and rows["name"]["source"].kind == "default" and not rows["name"]["editable"]
    assert not rows["phone"]["controlled"] and rows["phone"]["title"] == "联系电话"


def test_each_level_adds_items_and_sees_those_above_read_only(world):
    province, city, county = (world.units[u] for u in ("anhui", "huangshan", "tunxi"))
    services.controlled_items_set(actor=admin(world, "anhui"),
                                  items=["id_type", "id_number", "name", "sex", "birth_date", "hukou_nature"])
    services.controlled_items_set(actor=admin(world, "huangshan"), items=["address"])
    services.controlled_items_set(actor=admin(world, "tunxi"), items=["phone", "entry_date"])
    tunxi = selectors.controlled_items(school=world.schools["tunxi_primary"])
    assert tunxi == {"id_type": None, "id_number": None, "name": None, "sex": None, "birth_date": None,
                     "hukou_nature": province, "address": city, "phone": county, "entry_date": county}
    # The province took 民族 off the default set; another county of the city has only the city's addition.
    shexian = selectors.controlled_items(school=world.schools["shexian_primary"])
    assert "ethnic" not in shexian and shexian["address"] == city and "phone" not in shexian
    # The county sees the items above as inherited, read-only; its own as its own, editable.
    rows = {r["item"]: r for r in selectors.controlled_item_rows(user=admin(world, "tunxi"))}
    assert rows["address"]["source"].kind == "inherited" and rows["address"]["source"].unit == city
    assert not rows["address"]["editable"] and not rows["name"]["editable"]
    assert rows["phone"]["source"].kind == "own" and rows["phone"]["editable"]
    assert rows["email"]["editable"] and not rows["email"]["controlled"]
    # The province's own view: its defaults and its own additions are its to change.
    rows = {r["item"]: r for r in selectors.controlled_item_rows(user=admin(world, "anhui"))}
    assert rows["name"]["editable"] and rows["name"]["source"].kind == "default"
    assert rows["hukou_nature"]["source"].kind == "own" and not rows["ethnic"]["controlled"]
    assert AuditEvent.objects.filter(action="policy.controlled_items").count() == 3


def test_an_item_controlled_above_or_unknown_is_refused_and_nothing_changes(world):
    services.controlled_items_set(actor=admin(world, "huangshan"), items=["address"])
    before = list(ControlledItem.objects.values_list("org_unit", "item", "controlled"))
    with pytest.raises(ValidationFailed) as refused:
        services.controlled_items_set(actor=admin(world, "tunxi"), items=["phone", "address", "name"])
    assert refused.value.code == "item_controlled_above"
    assert refused.value.details == {"controlled_above": ["address", "name"]}
    assert _zh(refused.value) == ("以下字段已由上级设为受控字段："
                                  "现住址（huangshan authority）；姓名（anhui authority）。")
    with pytest.raises(ValidationFailed) as unknown:
        services.controlled_items_set(actor=admin(world, "tunxi"), items=["shoe_size"])
    assert unknown.value.code == "unknown_item"
    assert list(ControlledItem.objects.values_list("org_unit", "item", "controlled")) == before


# ------------------------------------------------------------------ class-size caps


def test_a_class_takes_the_nearest_cap_and_says_who_set_it(world):
    klass = world.classes["tunxi_primary"]
    assert selectors.class_cap(school_class=klass) == (None, None)
    services.cap_set(actor=admin(world, "anhui"), stage="1", cap=50)
    assert selectors.class_cap(school_class=klass) == (50, world.units["anhui"])
    services.cap_set(actor=admin(world, "huangshan"), stage="1", cap=48)
    services.cap_set(actor=admin(world, "tunxi"), stage="1", cap=45)
    assert selectors.class_cap(school_class=klass) == (45, world.units["tunxi"])
    assert selectors.class_cap(school_class=world.classes["shexian_primary"]) == (48, world.units["huangshan"])
    assert selectors.class_cap(school_class=world.classes["yaohai_primary"]) == (50, world.units["anhui"])
    assert selectors.class_cap(school_class=world.classes["tunxi_middle"]) == (None, None)  # junior: none set
    assert selectors.class_cap(school_class=world.classes["xuanwu_primary"]) == (None, None)  # another province
    # The county's page: its own cap, the city's above it (inherited), the one in force.
    rows = {r["stage"]: r for r in selectors.cap_rows(user=admin(world, "tunxi"))}
    assert rows["1"]["own"].cap == 45 and rows["1"]["above"].cap == 48
    assert rows["1"]["above_source"].kind == "inherited" and rows["1"]["above_source"].unit == world.units["huangshan"]
    assert rows["1"]["source"].kind == "own" and rows["2"]["effective"].cap is None
    assert rows["2"]["source"].kind == "default"
    # The school sees only its stages, all inherited.
    (row,) = selectors.cap_rows(user=world.user("tunxi_primary", "leader"))
    assert row["stage"] == "1" and row["source"].unit == world.units["tunxi"] and not row["editable"]
    # Set-based for lists: one answer for many classes.
    caps = selectors.class_caps(classes=list(world.classes.values()))
    assert caps[klass.pk] == (45, world.units["tunxi"]) and caps[world.classes["tunxi_middle"].pk] == (None, None)


def test_a_lock_binds_the_levels_below(world):
    services.cap_set(actor=admin(world, "tunxi"), stage="1", cap=40)  # set before the lock
    services.cap_set(actor=admin(world, "huangshan"), stage="1", cap=46, locked=True)
    assert selectors.class_cap(school_class=world.classes["tunxi_primary"]) == (46, world.units["huangshan"])
    rows = {r["stage"]: r for r in selectors.cap_rows(user=admin(world, "tunxi"))}
    assert rows["1"]["locked_above"] == world.units["huangshan"] and not rows["1"]["editable"]
    before = list(ClassCap.objects.values_list("org_unit", "stage", "cap", "locked"))
    with pytest.raises(Conflict) as refused:
        services.cap_set(actor=admin(world, "tunxi"), stage="1", cap=42)
    assert refused.value.code == "cap_locked"
    assert _zh(refused.value) == "huangshan authority已将班额上限锁定为 46 人：下级沿用该上限，不能另行设定。"
    assert list(ClassCap.objects.values_list("org_unit", "stage", "cap", "locked")) == before
    # The county may still drop its own stale value (it inherits anyway).
    assert services.cap_set(actor=admin(world, "tunxi"), stage="1", cap=None) is None
    # A province's cap lower than a locked city's still binds: no level sets more than the level above.
    ClassCap.objects.create(org_unit=world.units["anhui"], stage="1", cap=44)
    assert selectors.class_cap(school_class=world.classes["tunxi_primary"]) == (44, world.units["anhui"])


def test_a_cap_above_the_superiors_is_refused_with_both_caps(world):
    services.cap_set(actor=admin(world, "anhui"), stage="3", cap=50)
    before = list(ClassCap.objects.values_list("org_unit", "stage", "cap", "locked"))
    with pytest.raises(ValidationFailed) as refused:
        services.cap_set(actor=admin(world, "huangshan"), stage="3", cap=55)
    assert refused.value.code == "cap_above_superior"
    assert refused.value.details == {"requested": 55, "superior_cap": 50, "set_by": "anhui authority"}
    assert _zh(refused.value) == "班额上限 55 人超过了anhui authority设定的 50 人：下级不能设得比上级高。"
    for bad in (0, 101, "45"):
        with pytest.raises(ValidationFailed) as invalid:
            services.cap_set(actor=admin(world, "huangshan"), stage="3", cap=bad)
        assert invalid.value.code == "invalid_cap"
    with pytest.raises(ValidationFailed) as stage:
        services.cap_set(actor=admin(world, "huangshan"), stage="4", cap=40)
    assert stage.value.code == "unknown_stage"
    assert list(ClassCap.objects.values_list("org_unit", "stage", "cap", "locked")) == before
    assert not AuditEvent.objects.filter(action="policy.class_cap", actor=admin(world, "huangshan")).exists()


# ------------------------------------------------------------------ function switches


def test_switches_default_per_stage_and_the_province_sets_them(world):
    primary = selectors.status_change_types_allowed(province_code="340000", stage="1")
    senior = selectors.status_change_types_allowed(province_code="340000", stage="3")
    assert "31" not in primary and "42" not in primary and "11" in primary and "21" not in primary
    assert senior == set(STATUS_CHANGE_CODES) and {"31", "42"} <= senior
    assert selectors.switch(province_code="340000", stage="2", key=REGISTRATION_OPEN) is True
    assert selectors.switch(province_code="340000", stage="1", key=ENTRY_AGE) == {"enabled": True, "min_age": 6}
    assert selectors.switch(province_code="340000", stage="3", key=DELETE_FORMAL) is False

    province = admin(world, "anhui")
    services.switch_set(actor=province, stage="2", key=STATUS_CHANGES, value=["11", "12", "31"])
    services.switch_set(actor=province, stage="3", key=REGISTRATION_OPEN, value=False)
    assert selectors.status_change_types_allowed(province_code="340000", stage="2") == {"11", "12", "31"}
    assert selectors.switch(province_code="340000", stage="3", key=REGISTRATION_OPEN) is False
    assert selectors.switch(province_code="320000", stage="3", key=REGISTRATION_OPEN) is True  # Jiangsu's own
    rows = {r["key"]: r for r in selectors.switch_rows(user=world.user("tunxi_primary", "leader"))}
    junior = rows[STATUS_CHANGES]["stages"][1]
    assert junior["value"] == ["11", "12", "31"] and junior["source"].kind == "inherited"
    assert junior["source"].unit == world.units["anhui"]
    assert rows[REGISTRATION_OPEN]["stages"][0]["source"].kind == "default"
    assert [c["applies"] for c in rows[ENTRY_AGE]["stages"]] == [True, False, False]
    own = {r["key"]: r for r in selectors.switch_rows(user=province)}
    assert own[REGISTRATION_OPEN]["stages"][2]["source"].kind == "own"


def test_a_switch_of_the_wrong_shape_is_refused(world):
    province = admin(world, "anhui")
    for stage, key, value, code in [("1", STATUS_CHANGES, ["21"], "invalid_switch"),
                                    ("1", STATUS_CHANGES, "11", "invalid_switch"),
                                    ("2", REGISTRATION_OPEN, "yes", "invalid_switch"),
                                    ("2", ENTRY_AGE, {"enabled": True, "min_age": 6}, "unknown_stage"),
                                    ("1", ENTRY_AGE, {"enabled": True, "min_age": 12}, "invalid_switch"),
                                    ("1", "nothing", True, "unknown_switch")]:
        with pytest.raises(ValidationFailed) as refused:
            services.switch_set(actor=province, stage=stage, key=key, value=value)
        assert refused.value.code == code, (stage, key, value)
    assert not FunctionSwitch.objects.exists()


def test_the_entry_age_setting_moves_to_the_primary_switch():
    """The data migration: a province's stored age control becomes its primary stage's switch."""
    from importlib import import_module

    from django.apps import apps

    from xueji.policy.models import PolicySetting

    migration = import_module("xueji.policy.migrations.0003_levels")
    PolicySetting.objects.create(province_code="340000", key="registration.grade1.age_control",
                                 value={"enabled": False, "min_age": 6})
    PolicySetting.objects.create(province_code="340000", key="proof.max_bytes", value=1024)
    migration.move_age_control(apps, None)
    assert FunctionSwitch.objects.get(province_code="340000", stage="1", key=ENTRY_AGE).value == {
        "enabled": False, "min_age": 6}
    assert list(PolicySetting.objects.values_list("key", flat=True)) == ["proof.max_bytes"]
    migration.move_age_control_back(apps, None)
    assert PolicySetting.objects.filter(key="registration.grade1.age_control").exists()


# ------------------------------------------------------------------ business windows


def _window(unit, kind, start, end, **extra):
    return BusinessWindow.objects.create(province_code="340000", org_unit=unit, kind=kind, start_date=start,
                                         end_date=end, **extra)


def test_a_city_or_county_narrows_the_province_window(world):
    today = clock.today()
    kind = "changes.status"
    school = world.schools["tunxi_primary"]
    assert services.window_open(unit=school, kind=kind) is None  # the province has not opened it
    province_window = services.window_set(actor=admin(world, "anhui"), kind=kind,
                                          start_date=today - dt.timedelta(days=30),
                                          end_date=today + dt.timedelta(days=30))
    assert province_window.org_unit is None
    assert services.window_open(unit=school, kind=kind) == province_window
    # The county narrows it to next week: closed today for its schools, open elsewhere in the province.
    narrow = services.window_set(actor=admin(world, "tunxi"), kind=kind, start_date=today + dt.timedelta(days=7),
                                 end_date=today + dt.timedelta(days=14), note="屯溪区")
    assert narrow.org_unit == world.units["tunxi"]
    assert services.window_open(unit=school, kind=kind) is None
    assert services.window_open(unit=world.schools["shexian_primary"], kind=kind) == province_window
    assert services.window_open(unit=school, kind=kind, day=today + dt.timedelta(days=8)) == narrow
    with pytest.raises(ValidationFailed) as closed:
        services.window_require(unit=school, kind=kind)
    assert closed.value.code == "outside_business_window" and closed.value.details["set_by"] == "tunxi authority"
    message = _zh(closed.value)
    assert "学籍异动不在业务时间内" in message and "tunxi authority设定的业务时间" in message
    # The county's registrar sees both: the province's inherited, the county's own.
    listed = list(selectors.window_list(user=world.user("tunxi", "registrar")))
    assert listed == [province_window, narrow]
    province = world.units["anhui"]
    sources = [selectors.window_source(w, world.units["tunxi"], province).kind for w in listed]
    assert sources == ["inherited", "own"]
    # The province sees the county's narrowing as set below; another county does not see it.
    assert narrow in selectors.window_list(user=admin(world, "anhui"))
    assert narrow not in selectors.window_list(user=world.user("shexian", "registrar"))


def test_a_window_wider_than_the_province_is_refused_and_nothing_changes(world):
    today = clock.today()
    kind = "transfers.transfer"
    _window(None, kind, today, today + dt.timedelta(days=10))
    before = list(BusinessWindow.objects.values_list("pk", "start_date", "end_date"))
    with pytest.raises(ValidationFailed) as refused:
        services.window_set(actor=admin(world, "huangshan"), kind=kind, start_date=today - dt.timedelta(days=1),
                            end_date=today + dt.timedelta(days=5))
    assert refused.value.code == "window_wider_than_superior"
    start = f"{today - dt.timedelta(days=1):%Y-%m-%d}"
    assert _zh(refused.value) == (f"业务时间 {start} 至 {today + dt.timedelta(days=5):%Y-%m-%d} 超出了anhui authority"
                                  f"设定的业务时间（{today:%Y-%m-%d} 至 {today + dt.timedelta(days=10):%Y-%m-%d}）："
                                  "市、县只能缩小，不能放宽。")
    # Without a province window of that kind, a city opens nothing.
    with pytest.raises(ValidationFailed) as unopened:
        services.window_set(actor=admin(world, "huangshan"), kind="graduation.graduation", start_date=today,
                            end_date=today)
    assert unopened.value.code == "window_wider_than_superior"
    assert _zh(unopened.value) == "本省尚未开放该业务，下级不能单独开放。"
    # A county inside the province's window but wider than its city's narrowing is refused too.
    city = services.window_set(actor=admin(world, "huangshan"), kind=kind, start_date=today,
                               end_date=today + dt.timedelta(days=3))
    with pytest.raises(ValidationFailed) as wider:
        services.window_set(actor=admin(world, "tunxi"), kind=kind, start_date=today,
                            end_date=today + dt.timedelta(days=4))
    assert wider.value.code == "window_wider_than_superior" and wider.value.details["set_by"] == "huangshan authority"
    assert list(BusinessWindow.objects.exclude(pk=city.pk).values_list("pk", "start_date", "end_date")) == before


def test_windows_are_edited_by_their_own_level_and_audited(world):
    today = clock.today()
    kind = "graduation.promotion"
    province_window = _window(None, kind, today, today + dt.timedelta(days=20))
    county = services.window_set(actor=admin(world, "tunxi"), kind=kind, start_date=today + dt.timedelta(days=1),
                                 end_date=today + dt.timedelta(days=5))
    changed = services.window_update(actor=admin(world, "tunxi"), window=county,
                                     end_date=today + dt.timedelta(days=9), note="延长")
    assert changed.end_date == today + dt.timedelta(days=9) and changed.note == "延长"
    event = AuditEvent.objects.get(action="policy.window_update")
    assert event.before["end"] == str(today + dt.timedelta(days=5)) and event.after["end"] == str(
        today + dt.timedelta(days=9))
    with pytest.raises(ValidationFailed) as wider:  # an edit may not widen it past the province's either
        services.window_update(actor=admin(world, "tunxi"), window=county, end_date=today + dt.timedelta(days=30))
    assert wider.value.code == "window_wider_than_superior"
    with pytest.raises(ValidationFailed) as backwards:
        services.window_update(actor=admin(world, "anhui"), window=province_window, start_date=today,
                               end_date=today - dt.timedelta(days=1))
    assert backwards.value.code == "invalid_window"
    # Another level's window is not found: neither above (the province's) nor beside (the city's view of it).
    for actor, window in ((admin(world, "tunxi"), province_window), (admin(world, "huangshan"), county),
                          (admin(world, "anhui"), county)):
        with pytest.raises(NotFound):
            services.window_update(actor=actor, window=window, note="x")
        with pytest.raises(NotFound):
            selectors.window_get(user=actor, pk=window.pk)
    county.refresh_from_db()
    assert county.end_date == today + dt.timedelta(days=9) and county.note == "延长"
    services.window_update(actor=admin(world, "anhui"), window=province_window, end_date=today + dt.timedelta(days=25))
    services.window_delete(actor=admin(world, "tunxi"), window=county)
    assert list(BusinessWindow.objects.all()) == [province_window]


def test_every_business_kind_has_a_window():
    from xueji.policy.choices import WINDOW_KINDS

    assert set(WINDOW_KINDS) == {"registration.enrolled", "registration.grade1", "registration.returning",
                                 "changes.record", "changes.status", "transfers.transfer", "graduation.graduation",
                                 "graduation.promotion", "admissions.admission"}
    with translation.override("zh-hans"):
        labels = [str(WINDOW_KINDS[k]) for k in ("changes.record", "admissions.admission")]
    assert labels == ["学籍信息变更", "招生录取"]
