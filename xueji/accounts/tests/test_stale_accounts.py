"""No default accounts, stale accounts disabled, a disabled account's sessions ended at once (SECURITY.md §1 row 9,
T-ACCT-01..03). The demo's accounts share one printed password by design; `demo_data` is refused under the
production settings (xueji/demo/tests/test_demo_guard.py)."""

import datetime as dt
import json

import pytest
from django.contrib.auth.hashers import check_password
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token

from xueji.accounts import services
from xueji.accounts.models import User
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.jobs.services import jobs_maintain

pytestmark = pytest.mark.django_db

DEFAULT_NAMES = ("admin", "administrator", "root", "test", "demo", "guest", "sysadmin", "superuser")
DEFAULT_PASSWORDS = ("admin", "password", "123456", "root", "test", "Xueji@2026", "changeme")


def test_migrate_alone_makes_no_account(db):
    """The migrations (and no fixture: the repository ships none) leave an empty account table."""
    assert not User.objects.exists()


def test_no_default_account_name_or_known_password_in_the_test_world(world):
    assert not User.objects.filter(username__in=DEFAULT_NAMES).exists()
    assert not User.objects.filter(is_superuser=True).exists()
    for encoded in User.objects.values_list("password", flat=True):
        assert not any(check_password(known, encoded) for known in DEFAULT_PASSWORDS)


def _seen(user, days_ago: int) -> None:
    User.objects.filter(pk=user.pk).update(last_login=clock.now() - dt.timedelta(days=days_ago))


def test_accounts_idle_past_ninety_days_are_disabled_and_audited(world):
    User.objects.update(last_login=clock.now())
    idle, recent = world.user("tunxi_primary", "registrar"), world.user("tunxi_primary", "leader")
    _seen(idle, 91)
    _seen(recent, 89)
    Token.objects.create(user=idle)

    assert services.idle_accounts_disable() == {"disabled": 1}

    assert not User.objects.get(pk=idle.pk).is_active and User.objects.get(pk=recent.pk).is_active
    assert User.objects.filter(is_active=False).count() == 1
    assert not Token.objects.filter(user=idle).exists()
    event = AuditEvent.objects.get(action="user.idle_disable")
    assert event.object_id == str(idle.pk) and event.after["idle_days"] == 90
    assert services.idle_accounts_disable() == {"disabled": 0}  # once


def test_an_account_that_never_signed_in_counts_from_its_creation(world):
    User.objects.update(last_login=clock.now())
    fresh = world.user("tunxi", "registrar")
    User.objects.filter(pk=fresh.pk).update(last_login=None, date_joined=clock.now() - dt.timedelta(days=100))

    services.idle_accounts_disable()

    assert list(User.objects.filter(is_active=False).values_list("pk", flat=True)) == [fresh.pk]


@override_settings(XUEJI_ACCOUNT_IDLE_DAYS=30)
def test_the_idle_limit_is_a_setting_and_the_worker_and_a_command_run_it(world, capsys):
    User.objects.update(last_login=clock.now())
    _seen(world.user("tunxi_primary", "registrar"), 31)
    assert jobs_maintain()["periodic"]["accounts.idle"] == {"disabled": 1}

    _seen(world.user("tunxi_primary", "leader"), 31)
    call_command("accounts_disable_idle")
    assert json.loads(capsys.readouterr().out) == {"disabled": 1}
    with override_settings(XUEJI_ACCOUNT_IDLE_DAYS=0):
        _seen(world.user("tunxi", "leader"), 400)
        assert services.idle_accounts_disable() == {"disabled": 0}


def test_a_token_sign_in_counts_as_activity(world):
    user = world.user("tunxi_primary", "registrar")
    _seen(user, 200)
    services.token_issue(user=user)
    assert User.objects.get(pk=user.pk).last_login > clock.now() - dt.timedelta(minutes=1)


def _sessions_of(user) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk))


@pytest.mark.parametrize("how", ["administrator", "idle"])
def test_disabling_an_account_ends_its_sessions_at_once(world, how):
    target = world.user("tunxi_primary", "registrar")
    browsers = [Client(), Client()]
    for browser in browsers:
        browser.force_login(target)
        assert browser.get(reverse("registry:student_list")).status_code == 200
    other = Client()
    other.force_login(world.user("tunxi_primary", "leader"))
    assert _sessions_of(target) == 2

    if how == "administrator":
        services.user_set_active(actor=world.user("tunxi", "sysadmin"), user=target, is_active=False)
    else:
        User.objects.update(last_login=clock.now())
        _seen(target, 120)
        services.idle_accounts_disable()

    assert _sessions_of(target) == 0
    for browser in browsers:
        response = browser.get(reverse("registry:student_list"))
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert other.get(reverse("registry:student_list")).status_code == 200  # nobody else's


def test_create_sysadmin_brings_back_a_disabled_first_administrator(world):
    admin = world.user("anhui", "sysadmin")
    User.objects.filter(pk=admin.pk).update(is_active=False)
    call_command("create_sysadmin", admin.username, "--org", admin.org_unit.code, "--password", "Back#2026xyz")
    assert User.objects.get(pk=admin.pk).is_active
