"""安全策略 (issue 11 item 4): the security administrator's security settings page at each level. A change on the page
changes behaviour (lockout, password rules, idle timeout, second-factor roles, alert thresholds); a level below
may only tighten; every change is audited; system and audit administrators are refused the page and change
nothing; the security administrator cannot edit the accounts' or the configuration's settings."""

import datetime as dt

import pytest
from django.test import RequestFactory
from django.urls import reverse

from xueji.accounts import alerts, second_factor, security_settings
from xueji.accounts import services as account_services
from xueji.accounts.auth import LoginRefused, credentials_verify
from xueji.accounts.models import Alert
from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import Conflict, Forbidden, ValidationFailed
from xueji.policy import security
from xueji.policy.models import PolicySetting
from xueji.testing.world import PASSWORD

pytestmark = pytest.mark.django_db
URL = "policy:security_settings"


def _form(**changes) -> dict:
    data = {key.replace(".", "__"): security_settings.default(key) for key, d in security_settings.SETTINGS.items()
            if d.stricter != security_settings.MORE}
    data.update({key.replace(".", "__"): value for key, value in changes.items()})
    return data


def _verify(username: str, password: str):
    return credentials_verify(request=RequestFactory().post("/login/", REMOTE_ADDR="10.9.9.9"), username=username,
                              password=password)


def _fail(username: str, times: int) -> None:
    for _n in range(times):
        with pytest.raises(LoginRefused):
            _verify(username, "Wrong-password-1")


def test_the_page_shows_the_levels_settings_in_chinese_and_a_change_on_it_locks_accounts_sooner(world, login):
    client = login(world.user("anhui", "security"))
    page = client.get(reverse(URL))
    html = page.content.decode()
    assert page.status_code == 200
    assert "安全策略" in html and "账号锁定前允许的登录失败次数" in html and "默认" in html

    saved = client.post(reverse(URL), _form(**{"lockout.failure_limit": 2, "lockout.minutes": 45}))

    assert saved.status_code == 302
    rows = {r.key: r.value for r in PolicySetting.objects.filter(org_unit=world.units["anhui"])}
    assert rows == {"lockout.failure_limit": 2, "lockout.minutes": 45}
    events = AuditEvent.objects.filter(action="policy.security_setting").order_by("id")
    assert [(e.before, e.after["lockout.failure_limit"]) for e in events if "lockout.failure_limit" in e.after] == \
        [({"lockout.failure_limit": 5}, 2)]
    # An account of anhui now locks after two failures, for 45 minutes; one of jiangsu still after five.
    _fail("tunxi_primary_registrar", 1)
    with pytest.raises(LoginRefused) as locked:
        _verify("tunxi_primary_registrar", "Wrong-password-1")
    assert locked.value.code == "account_locked" and "45" in str(locked.value)
    with pytest.raises(LoginRefused) as still_locked:
        _verify("tunxi_primary_registrar", PASSWORD)
    assert still_locked.value.code == "account_locked"
    _fail("xuanwu_primary_registrar", 4)
    assert _verify("xuanwu_primary_registrar", PASSWORD)


def test_a_level_below_may_only_tighten_and_a_refusal_changes_nothing(world):
    security.security_setting_set(actor=world.user("anhui", "security"), key="password.max_age_days", value=60)
    city = world.user("huangshan", "security")
    before = (list(PolicySetting.objects.values_list("org_unit_id", "key", "value")), AuditEvent.objects.count())

    with pytest.raises(Conflict) as looser:
        security.security_setting_set(actor=city, key="password.max_age_days", value=90)
    with pytest.raises(Conflict):  # the page's save is all or nothing
        security.security_settings_set(actor=city, values={"password.min_length": 12, "password.max_age_days": 61})

    assert looser.value.code == "security_looser"
    assert (list(PolicySetting.objects.values_list("org_unit_id", "key", "value")),
            AuditEvent.objects.count()) == before
    security.security_setting_set(actor=city, key="password.max_age_days", value=30)
    rows = {r["key"]: r for r in security.setting_rows(user=world.user("tunxi", "security"))}
    assert rows["password.max_age_days"]["value"] == 30
    assert rows["password.max_age_days"]["source"].unit == world.units["huangshan"]
    # The province tightens past the city's: the tightest of the chain binds.
    security.security_setting_set(actor=world.user("anhui", "security"), key="password.max_age_days", value=20)
    assert security_settings.value(world.units["tunxi_primary"], "password.max_age_days") == 20
    with pytest.raises(ValidationFailed) as school:
        security.security_setting_set(actor=world.user("tunxi_primary", "security"), key="password.max_age_days",
                                      value=10)
    assert school.value.code == "security_level"
    with pytest.raises(ValidationFailed) as bounds:
        security.security_setting_set(actor=world.user("jiangsu", "security"), key="password.min_length", value=4)
    assert bounds.value.code == "invalid_setting"


def test_the_password_rules_and_expiry_of_the_level_are_enforced(world):
    security.security_setting_set(actor=world.user("anhui", "security"), key="password.min_length", value=14)
    anhui, jiangsu = world.user("tunxi_primary", "registrar"), world.user("xuanwu_primary", "registrar")

    with pytest.raises(ValidationFailed) as short:
        account_services.password_change(user=anhui, old_password=PASSWORD, new_password="Kqwz#mv81Ta")
    account_services.password_change(user=jiangsu, old_password=PASSWORD, new_password="Kqwz#mv81Ta")

    assert "14" in str(short.value.details)
    assert anhui.check_password(PASSWORD) and jiangsu.check_password("Kqwz#mv81Ta")
    security.security_setting_set(actor=world.user("anhui", "security"), key="password.max_age_days", value=10)
    with clock.shifted(dt.timedelta(days=11)):
        assert security_settings.password_expired(world.user("tunxi_middle", "registrar"))
        assert not security_settings.password_expired(world.user("xuanwu_primary", "leader"))


def test_the_idle_timeout_of_the_level_ends_a_quiet_session(world, client):
    security.security_setting_set(actor=world.user("huangshan", "security"), key="session.idle_minutes", value=10)
    for username, ends in (("tunxi_primary_registrar", True), ("yaohai_primary_registrar", False)):
        client.logout()
        assert client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD}).status_code == 302
        with clock.shifted(dt.timedelta(minutes=11)):
            answer = client.get("/api/v1/me/")
        assert answer.status_code == (401 if ends else 200), username


def test_the_roles_that_must_use_a_second_factor(world, second_factor_enforced):
    school_registrar = world.user("shexian_primary", "registrar")
    assert not second_factor.required(school_registrar)

    security.security_setting_set(actor=world.user("huangshan", "security"), key="second_factor.roles",
                                  value=["registrar"])

    assert second_factor.required(world.user("shexian_primary", "registrar"))
    assert not second_factor.required(world.user("yaohai_primary", "registrar"))  # 合肥: not below huangshan
    with pytest.raises(Conflict):  # the county below cannot drop what the city asks
        security.security_setting_set(actor=world.user("shexian", "security"), key="second_factor.roles", value=[])


def test_an_alert_threshold_set_on_the_page_raises_alerts_for_that_level_only(world, settings):
    settings.XUEJI_ALERTS = {**settings.XUEJI_ALERTS, "export_burst": {"threshold": 10, "minutes": 60}}
    security.security_setting_set(actor=world.user("anhui", "security"), key="alert.export_burst", value=3)
    for username in ("tunxi_primary_registrar", "xuanwu_primary_registrar"):
        user = world.user(username.rsplit("_", 1)[0], "registrar")
        for _n in range(4):
            audit_record(actor=user, action="student.export", object_type="registry.student",
                         org_unit=user.org_unit)

    alerts.security_scan()

    assert list(Alert.objects.values_list("subject_user__username", "evidence__threshold")) == \
        [("tunxi_primary_registrar", 3)]


@pytest.mark.parametrize("role", ["sysadmin", "auditor", "registrar"])
def test_other_roles_are_refused_the_page_and_change_nothing(world, login, role):
    client = login(world.user("anhui", role))
    before = AuditEvent.objects.filter(action="policy.security_setting").count()

    assert client.get(reverse(URL)).status_code == 403
    assert client.post(reverse(URL), _form(**{"lockout.failure_limit": 1})).status_code == 403
    with pytest.raises(Forbidden):
        security.security_setting_set(actor=world.user("anhui", role), key="lockout.failure_limit", value=1)

    assert not PolicySetting.objects.filter(org_unit__isnull=False).exists()
    assert AuditEvent.objects.filter(action="policy.security_setting").count() == before


def test_the_security_administrator_cannot_edit_accounts_or_configuration(world, login):
    client = login(world.user("anhui", "security"))
    limits = list(PolicySetting.objects.values_list("key", "value"))

    assert client.post(reverse("policy:setting_list"), {"proof_max_mb": "3", "import_max_mb": "50"}).status_code == 403
    assert client.post(reverse("accounts:user_create"), {"username": "x", "full_name": "x",
                                                          "org_unit": world.units["anhui"].pk, "roles": [],
                                                          "password": "Qz7#pLw9Rt"}).status_code == 403
    assert list(PolicySetting.objects.values_list("key", "value")) == limits
    assert not type(world.user("anhui", "security")).objects.filter(username="x").exists()


def test_the_menu_offers_the_page_to_the_security_administrator_only(world, login):
    menu = login(world.user("tunxi", "security")).get(reverse("ui:workbench")).content.decode()
    assert reverse(URL) in menu
    other = login(world.user("tunxi", "sysadmin")).get(reverse("ui:workbench")).content.decode()
    assert reverse(URL) not in other
