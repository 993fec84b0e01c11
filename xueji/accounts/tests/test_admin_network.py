"""The administrators' consoles only from their networks (SECURITY.md control 16, T-NET-01): a console page or API
method asked from an address outside XUEJI_ADMIN_NETWORKS is refused with 403, audited, and changes nothing; an
X-Forwarded-For written by no trusted proxy of ours is ignored; the business pages are not affected."""

import pytest
from django.core import checks
from django.urls import reverse

from xueji.accounts.models import User
from xueji.audit.models import AuditEvent

ADMINS = "10.1.0.0/16, 2001:db8::/32"
INSIDE, OUTSIDE = "10.1.2.3", "203.0.113.7"


@pytest.fixture
def networks(settings):
    settings.XUEJI_ADMIN_NETWORKS = ADMINS
    settings.XUEJI_TRUSTED_PROXIES = 0
    return settings


CONSOLES = [  # (unit, role, page)
    ("tunxi", "sysadmin", "accounts:user_list"),
    ("tunxi", "security", "accounts:security_user_list"),
    ("tunxi", "auditor", "audit:audit_list"),
    ("anhui", "sysadmin", "ops:status"),
]


@pytest.mark.parametrize(("unit", "role", "page"), CONSOLES)
def test_a_console_answers_inside_the_networks_and_403_outside_audited(world, login, networks, unit, role, page):
    client = login(world.user(unit, role))

    assert client.get(reverse(page), REMOTE_ADDR=INSIDE).status_code == 200
    refused = client.get(reverse(page), REMOTE_ADDR=OUTSIDE)

    assert refused.status_code == 403
    event = AuditEvent.objects.get(action="access.network_refused")
    assert event.success is False and event.actor == world.user(unit, role)
    assert event.after["address"] == OUTSIDE and event.after["path"] == reverse(page)


def test_an_ipv6_address_of_the_networks_is_let_in(world, login, networks):
    client = login(world.user("tunxi", "sysadmin"))

    assert client.get(reverse("accounts:user_list"), REMOTE_ADDR="2001:db8::5").status_code == 200
    assert client.get(reverse("accounts:user_list"), REMOTE_ADDR="2001:db9::5").status_code == 403


def test_a_refused_write_changes_nothing(world, login, networks):
    admin = world.user("tunxi", "sysadmin")
    client = login(admin)
    users = User.objects.count()

    page = client.post(reverse("accounts:user_create"), {
        "username": "outsider_made", "full_name": "外网用户", "org_unit": world.units["tunxi_primary"].pk,
        "roles": [], "password": "Qz7#pLw9Rt"}, REMOTE_ADDR=OUTSIDE)
    api = client.post("/api/v1/users/", {"username": "outsider_api", "full_name": "外网用户",
                                         "org_unit": world.units["tunxi_primary"].pk, "roles": []},
                      content_type="application/json", REMOTE_ADDR=OUTSIDE)

    assert page.status_code == 403
    assert api.status_code == 403 and api.json()["code"] == "admin_network"
    assert User.objects.count() == users
    assert AuditEvent.objects.filter(action="access.network_refused").count() == 2


def test_the_api_of_a_console_is_refused_outside(world, login, networks):
    client = login(world.user("tunxi", "sysadmin"))

    assert client.get("/api/v1/users/", REMOTE_ADDR=INSIDE).status_code == 200
    assert client.get("/api/v1/users/", REMOTE_ADDR=OUTSIDE).status_code == 403


def test_a_forwarded_for_set_by_an_untrusted_hop_is_ignored(world, login, networks):
    """No trusted proxy: the header is the client's own words. One trusted proxy: only the hop it appended counts,
    whatever the client put to its left."""
    client = login(world.user("tunxi", "sysadmin"))
    url = reverse("accounts:user_list")

    assert client.get(url, REMOTE_ADDR=OUTSIDE, HTTP_X_FORWARDED_FOR=INSIDE).status_code == 403
    networks.XUEJI_TRUSTED_PROXIES = 1
    assert client.get(url, REMOTE_ADDR="192.168.0.1",
                      HTTP_X_FORWARDED_FOR=f"{INSIDE}, {OUTSIDE}").status_code == 403
    assert client.get(url, REMOTE_ADDR="192.168.0.1", HTTP_X_FORWARDED_FOR=f"{OUTSIDE}, {INSIDE}").status_code == 200
    refused = AuditEvent.objects.filter(action="access.network_refused").order_by("id")
    assert [e.after["address"] for e in refused] == [OUTSIDE, OUTSIDE]


def test_business_pages_are_not_affected(world, login, networks):
    client = login(world.user("tunxi", "registrar"))

    assert client.get(reverse("registry:student_list"), REMOTE_ADDR=OUTSIDE).status_code == 200
    assert client.get("/api/v1/students/", REMOTE_ADDR=OUTSIDE).status_code == 200
    assert client.get(reverse("accounts:login"), REMOTE_ADDR=OUTSIDE).status_code in (200, 302)
    assert not AuditEvent.objects.filter(action="access.network_refused").exists()


def test_unset_every_address_reaches_the_consoles(world, login, settings):
    settings.XUEJI_ADMIN_NETWORKS = ""

    client = login(world.user("tunxi", "sysadmin"))

    assert client.get(reverse("accounts:user_list"), REMOTE_ADDR=OUTSIDE).status_code == 200


def test_a_malformed_setting_closes_the_consoles(world, login, settings):
    settings.XUEJI_ADMIN_NETWORKS = "10.1.0.0/16,not-a-network"

    client = login(world.user("tunxi", "sysadmin"))

    assert client.get(reverse("accounts:user_list"), REMOTE_ADDR=INSIDE).status_code == 403


def _network_checks():
    from xueji.accounts.checks import admin_networks_configured

    assert admin_networks_configured in checks.registry.registry.get_checks(include_deployment_checks=True)
    assert admin_networks_configured not in checks.registry.registry.get_checks()  # a deployment check only
    return [m.id for m in admin_networks_configured()]


def test_the_deployment_check_warns_when_unset(settings):
    settings.XUEJI_ADMIN_NETWORKS = ""
    assert _network_checks() == ["xueji.accounts.W002"]
    settings.XUEJI_ADMIN_NETWORKS = ADMINS
    assert _network_checks() == []
    settings.XUEJI_ADMIN_NETWORKS = "10.1.0.0/33"
    assert _network_checks() == ["xueji.accounts.E002"]
