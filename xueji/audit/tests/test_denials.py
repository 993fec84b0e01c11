"""Refused access leaves a trace: 403s and out-of-jurisdiction 404s, on pages and in the API, are audited as
`access.denied`, coalesced per user and minute so that a scan cannot flood the log."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from xueji.accounts.models import DenialCounter
from xueji.audit.models import AuditEvent
from xueji.core import clock


def _denials():
    return list(AuditEvent.objects.filter(action="access.denied").order_by("id"))


@pytest.fixture
def minute():
    """A fixed moment early in a minute, so a test's requests share one."""
    at = clock.now().replace(second=5, microsecond=0)
    with clock.frozen(at):
        yield at


def test_a_refused_page_is_audited(world, login, minute):
    user = world.user("tunxi_primary", "registrar")

    response = login(user).get(reverse("accounts:user_list"))

    assert response.status_code == 403
    [event] = _denials()
    assert (event.actor, event.org_unit, event.success, event.ip) == (user, world.units["tunxi_primary"], False,
                                                                       "127.0.0.1")
    assert event.after == {"count": 1, "minute": minute.replace(second=0).isoformat(), "status": 403,
                           "method": "GET", "path": "/users/", "code": "permission_denied"}


def test_an_object_outside_the_jurisdiction_is_audited_in_the_api_and_on_the_page(world, login, minute):
    foreign = world.students["xuanwu_primary"]
    client = login(world.user("tunxi_primary", "registrar"))

    api = client.get(f"/api/v1/students/{foreign.pk}/")
    page = client.get(reverse("registry:student_detail", args=[foreign.pk]))

    assert (api.status_code, page.status_code) == (404, 404)
    [event] = _denials()  # one minute, one user: the second refusal only counts
    assert event.after["path"] == f"/api/v1/students/{foreign.pk}/" and event.after["status"] == 404


def test_a_refused_api_call_is_audited_and_changes_nothing(world, login, minute):
    target = world.user("tunxi_primary", "leader")
    client = login(world.user("tunxi_primary", "registrar"))

    response = client.post(f"/api/v1/users/{target.pk}/active/", {"is_active": False},
                           content_type="application/json")

    assert response.status_code == 403
    target.refresh_from_db()
    assert target.is_active
    assert [(e.after["status"], e.after["method"], e.after["code"]) for e in _denials()] == [
        (403, "POST", "permission_denied")]


def test_a_scan_of_many_urls_in_a_minute_writes_a_row_per_power_of_ten(world, login, minute):
    # 120 refusals: rows at the 1st, 10th and 100th (the 1,000th would be the next; each request costs the test)
    foreign = world.students["xuanwu_primary"]
    client = login(world.user("tunxi_primary", "registrar"))

    for n in range(120):
        page = reverse("registry:student_detail", args=[foreign.pk + n])
        url = f"/api/v1/students/{foreign.pk + n}/" if n % 2 else page
        assert client.get(url).status_code == 404

    assert [e.after["count"] for e in _denials()] == [1, 10, 100]


def test_denials_are_counted_per_user_and_minute(world, login, minute):
    registrar, leader = world.user("tunxi_primary", "registrar"), world.user("tunxi_primary", "leader")
    for _ in range(3):
        login(registrar).get(reverse("accounts:user_list"))
        login(leader).get(reverse("accounts:user_list"))
    with clock.frozen(minute + dt.timedelta(minutes=1)):
        login(registrar).get(reverse("accounts:user_list"))

    assert [(e.actor_username, e.after["count"]) for e in _denials()] == [
        ("tunxi_primary_registrar", 1), ("tunxi_primary_leader", 1), ("tunxi_primary_registrar", 1)]


def test_signing_in_is_not_a_denial(world, client):
    assert client.get("/api/v1/students/").status_code == 401
    assert client.get(reverse("accounts:user_list")).status_code == 302

    assert _denials() == []


def test_a_denial_costs_a_few_queries(world, login, minute, django_assert_max_num_queries):
    client = login(world.user("tunxi_primary", "registrar"))
    client.get(reverse("accounts:user_list"))  # the minute's counter exists

    # The denial itself is 3 statements (counter UPDATE, its read, savepoints aside); the rest is the page shell
    # (session, user, org, roles, the 待办 counts of the menu, the session save).
    with django_assert_max_num_queries(16):
        assert client.get(reverse("accounts:user_list")).status_code == 403


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL parallel connections")
def test_parallel_denials_of_one_user_count_once_each(transactional_db, world):
    """Eight connections refuse one user at the same moment, 25 times each: the count is exact and each
    milestone (1, 10, 100) is written once."""
    import threading

    from django.db import connections

    from xueji.audit.services import audit_denial

    user = world.user("tunxi_primary", "registrar")
    barrier, errors = threading.Barrier(8), []

    def scan():
        try:
            barrier.wait()
            for _ in range(25):
                audit_denial(actor=user, path="/api/v1/students/1/", method="GET", status=404)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connections.close_all()

    at = clock.now().replace(second=5, microsecond=0)
    with clock.frozen(at):
        threads = [threading.Thread(target=scan) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    assert errors == []
    assert sorted(e.after["count"] for e in _denials()) == [1, 10, 100]
    assert DenialCounter.objects.get(actor_id=user.pk).count == 200
