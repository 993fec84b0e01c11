"""The interface's endpoints as a province system calls them: credentials, scope, field profile, rate limit, audit."""

import datetime as dt

import pytest
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.interface import services
from xueji.interface.models import ApiRateWindow
from xueji.interface.tests.helpers import caller, register
from xueji.registry.presenters import mask_address, mask_phone
from xueji.testing.fingerprint import fingerprint

pytestmark = pytest.mark.django_db
PUPILS = reverse("api:interface-pupil-list")
CHANGES = reverse("api:interface-changes")


def _detail(pk):
    return reverse("api:interface-pupil-detail", kwargs={"pk": pk})


@pytest.fixture
def pupils(world):
    from xueji.registry.models import Student

    Student.objects.filter(pk=world.students["tunxi_primary"].pk).update(phone="13912345678",
                                                                        address="安徽省黄山市屯溪区新安路8号")
    return world


def test_a_client_reads_the_pupils_of_its_scope_only(pupils):
    client, secret = register(pupils, scope="tunxi")
    response = caller(client, secret).get(PUPILS)
    assert response.status_code == 200, response.content
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {pupils.students["tunxi_primary"].pk, pupils.students["tunxi_middle"].pk}
    outside = pupils.students["shexian_primary"].pk
    assert caller(client, secret).get(_detail(outside)).status_code == 404
    assert caller(client, secret).get(_detail(pupils.students["tunxi_primary"].pk)).status_code == 200


def test_the_field_profile_masks_masked_items_and_leaves_out_absent_ones(pupils):
    client, secret = register(pupils, items=["name", "id_number", "phone", "address"], unmasked=["phone"])
    pupil = pupils.students["tunxi_primary"]
    data = caller(client, secret).get(_detail(pupil.pk)).json()
    assert set(data) == {"id", "updated_at", "name", "id_number", "phone", "address"}
    assert data["phone"] == "13912345678"  # unmasked by the profile
    assert data["address"] == mask_address("安徽省黄山市屯溪区新安路8号") != "安徽省黄山市屯溪区新安路8号"
    assert "*" in data["id_number"] and data["id_number"] != pupil.id_number
    assert data["name"] == pupil.name


def test_a_masked_profile_masks_everything_personal(pupils):
    client, secret = register(pupils, items=["phone", "national_number"])
    data = caller(client, secret).get(_detail(pupils.students["tunxi_primary"].pk)).json()
    assert data["phone"] == mask_phone("13912345678")


def test_a_pagination_by_id_and_the_cursor_to_follow(pupils):
    client, secret = register(pupils, scope="anhui")
    first = caller(client, secret).get(PUPILS, {"limit": 2}).json()
    assert len(first["results"]) == 2 and first["next_after"] == first["results"][-1]["id"]
    rest = caller(client, secret).get(PUPILS, {"limit": 2, "after": first["next_after"]}).json()
    assert len(rest["results"]) == 2 and rest["next_after"] is not None
    assert caller(client, secret).get(PUPILS, {"limit": 2, "after": rest["next_after"]}).json()["results"] == []
    assert first["feed_cursor"] >= 0


@pytest.mark.parametrize("query, code", [({"cursor": "-1"}, "bad_cursor"), ({"cursor": "x"}, "bad_cursor"),
                                         ({"limit": "0"}, "bad_limit"), ({"limit": "100000"}, "bad_limit")])
def test_bad_cursors_and_limits_are_refused_with_a_code(pupils, query, code):
    client, secret = register(pupils)
    response = caller(client, secret).get(CHANGES, query)
    assert response.status_code == 400 and response.json()["code"] == code


def test_wrong_credentials_and_a_users_session_are_refused(pupils, login):
    client, secret = register(pupils)
    assert caller(client, "wrong").get(PUPILS).status_code == 401
    response = caller(client, "").get(PUPILS)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Client")
    from django.test import Client

    assert Client().get(PUPILS).status_code == 401
    for role in ("sysadmin", "registrar"):
        assert login(pupils.user("anhui", role)).get(PUPILS).status_code == 403


def test_rotation_keeps_the_old_secret_for_the_overlap_then_refuses_it(pupils, settings):
    settings.XUEJI_INTERFACE_ROTATION_OVERLAP_HOURS = 24
    admin = pupils.user("anhui", "sysadmin")
    client, old = register(pupils)
    new = services.client_rotate(actor=admin, client=client)
    assert new != old
    assert caller(client, old).get(PUPILS).status_code == 200
    assert caller(client, new).get(PUPILS).status_code == 200
    with clock.frozen(clock.now() + dt.timedelta(hours=24, seconds=1)):
        assert caller(client, old).get(PUPILS).status_code == 401
        assert caller(client, new).get(PUPILS).status_code == 200


def test_a_revoked_client_is_refused_at_once(pupils):
    client, secret = register(pupils)
    services.client_revoke(actor=pupils.user("anhui", "sysadmin"), client=client)
    assert caller(client, secret).get(PUPILS).status_code == 401


def test_the_rate_limit_answers_429_with_a_stable_code_and_retry_after(pupils):
    client, secret = register(pupils, rate_limit=3)
    http = caller(client, secret)
    start = clock.now().replace(second=10) + dt.timedelta(minutes=1)
    with clock.frozen(start):
        assert [http.get(PUPILS).status_code for _ in range(3)] == [200, 200, 200]
        response = http.get(PUPILS)
        assert response.status_code == 429 and response.json()["code"] == "rate_limited"
        assert response["Retry-After"] == "50"
    with clock.frozen(start + dt.timedelta(minutes=1)):
        assert http.get(PUPILS).status_code == 200  # a new minute
    assert ApiRateWindow.objects.filter(client=client).count() == 1  # the old minutes are removed


def test_every_call_writes_one_audit_row_with_counts_not_data(pupils):
    client, secret = register(pupils)
    before = AuditEvent.objects.filter(action="interface.call").count()
    http = caller(client, secret)
    http.get(PUPILS)
    http.get(_detail(pupils.students["shexian_primary"].pk))  # outside: 404, audited too
    http.get(CHANGES, {"cursor": 0})
    rows = list(AuditEvent.objects.filter(action="interface.call").order_by("pk"))[before:]
    assert [(r.after["endpoint"], r.after["status"]) for r in rows] == [("pupils", 200), ("pupil", 404),
                                                                         ("changes", 200)]
    assert rows[0].after["count"] == 2 and rows[0].actor is None
    assert rows[0].actor_username == f"client:{client.client_id}" and rows[0].org_unit == pupils.units["anhui"]
    assert "学生" not in str(rows[0].after)


def test_a_call_with_refused_credentials_is_audited_too(pupils):
    client, _secret = register(pupils)
    caller(client, "wrong").get(CHANGES)
    row = AuditEvent.objects.filter(action="interface.call").latest("pk")
    assert row.success is False and row.after == {"endpoint": "changes", "status": 401}
    assert row.actor_username == f"client:{client.client_id}"


def test_writes_are_refused_and_change_nothing(pupils):
    client, secret = register(pupils)
    http = caller(client, secret)
    before = fingerprint()
    for url in (PUPILS, CHANGES, _detail(pupils.students["tunxi_primary"].pk)):
        for method in ("post", "put", "patch", "delete"):
            assert getattr(http, method)(url, data={}, content_type="application/json").status_code == 405
    after = fingerprint()
    assert [t for t in after if after[t] != before.get(t) and t not in (
        "audit_auditevent", "audit_auditchainhead", "interface_apiratewindow")] == []


def test_every_answer_carries_the_hmac_sm3_of_its_body_under_the_clients_secret(pupils):
    """SECURITY.md row 22: the client checks the answer's signature before using the data; a changed byte of the
    body (or another secret) does not verify."""
    from xueji.core.crypto import hmac_sm3

    client, secret = register(pupils)
    for url in (PUPILS, _detail(pupils.students["tunxi_primary"].pk)):
        response = caller(client, secret).get(url)
        assert response.status_code == 200
        expected = "hmac-sm3=" + hmac_sm3(secret.encode(), response.content).hex()
        assert response["X-Xueji-Signature"] == expected
        tampered = response.content.replace(b'"id"', b'"ID"', 1)
        assert "hmac-sm3=" + hmac_sm3(secret.encode(), tampered).hex() != expected
    assert "X-Xueji-Signature" not in caller(client, "wrong").get(PUPILS)  # no key to sign a refusal with
