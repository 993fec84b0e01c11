"""The accounts API and the role rules seen from a client: who may do what, and what is written."""

import pytest

from xueji.accounts.models import User
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.testing import PASSWORD

IP = "172.16.5.9"


def _post(client, url, data, **extra):
    return client.post(url, data, content_type="application/json", REMOTE_ADDR=IP, **extra)


def _new_user(unit, **overrides):
    return {"username": "api_user", "full_name": "接口用户", "org_unit": unit.pk, "roles": [],
            "password": "Start#2026abc", **overrides}


def test_a_sysadmin_creates_an_account_and_the_audit_row_tells_who_where_when(world, login):
    client = login(world.user("tunxi", "sysadmin"))
    before = clock.now()

    response = _post(client, "/api/v1/users/", _new_user(world.units["tunxi_primary"]), HTTP_X_REQUEST_ID="req-42")

    assert response.status_code == 201
    created = User.objects.get(username="api_user")
    assert response.json()["roles"] == []  # the security administrator grants them (三员分立)
    event = AuditEvent.objects.get(action="user.create")
    assert event.actor == world.user("tunxi", "sysadmin")
    assert event.org_unit == world.units["tunxi"]
    assert (event.object_type, event.object_id) == ("accounts.user", str(created.pk))
    assert event.after["username"] == "api_user" and event.after["roles"] == []
    assert event.ip == IP
    assert event.request_id == response["X-Request-ID"] == "req-42"
    assert before <= event.created_at <= clock.now()


def test_every_response_carries_the_request_id_of_its_audit_rows(world, login):
    client = login(world.user("tunxi", "sysadmin"))
    target = world.user("tunxi_primary", "leader")

    response = _post(client, f"/api/v1/users/{target.pk}/active/", {"is_active": False})

    assert response.status_code == 200
    assert len(response["X-Request-ID"]) >= 16
    event = AuditEvent.objects.get(action="user.deactivate")
    assert (event.request_id, event.ip) == (response["X-Request-ID"], IP)
    assert (event.before, event.after) == ({"is_active": True}, {"is_active": False})


def test_creating_an_account_in_another_county_answers_404_and_writes_nothing(world, login):
    client = login(world.user("tunxi", "sysadmin"))

    response = _post(client, "/api/v1/users/", _new_user(world.units["shexian"]))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not User.objects.filter(username="api_user").exists()
    assert not AuditEvent.objects.filter(action__startswith="user.").exists()


def test_an_account_cannot_be_moved_out_of_the_jurisdiction(world, login):
    client = login(world.user("tunxi", "sysadmin"))
    target = world.user("tunxi_primary", "leader")

    response = client.patch(f"/api/v1/users/{target.pk}/", {"org_unit": world.units["yaohai_primary"].pk},
                            content_type="application/json")

    assert response.status_code == 404
    assert User.objects.get(pk=target.pk).org_unit == world.units["tunxi_primary"]


def test_accounts_of_other_units_answer_404(world, login):
    client = login(world.user("tunxi", "sysadmin"))
    outsider = world.user("shexian_primary", "leader")

    assert client.get(f"/api/v1/users/{outsider.pk}/").status_code == 404
    assert _post(client, f"/api/v1/users/{outsider.pk}/reset-password/",
                 {"new_password": "Temp#2026abc"}).status_code == 404
    assert _post(client, f"/api/v1/users/{outsider.pk}/active/", {"is_active": False}).status_code == 404
    assert User.objects.get(pk=outsider.pk).is_active


def test_the_user_list_shows_own_level_and_below(world, login):
    client = login(world.user("tunxi", "sysadmin"))

    usernames = {u["username"] for u in client.get("/api/v1/users/?page_size=500").json()["results"]}

    assert "tunxi_sysadmin" in usernames and "tunxi_primary_registrar" in usernames
    assert not {u for u in usernames if u.startswith(("shexian", "huangshan", "anhui", "xuanwu"))}


def test_a_sysadmin_cannot_change_own_roles_through_the_api(world, login):
    admin = world.user("tunxi", "sysadmin")
    client = login(admin)

    response = client.patch(f"/api/v1/users/{admin.pk}/", {"roles": ["registrar"]}, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "self_escalation"
    assert User.objects.get(pk=admin.pk).role_set == {"sysadmin"}


@pytest.mark.parametrize(("method", "url", "data"), [
    ("post", "/api/v1/schools/", lambda w: {"code": "3410021099", "name": "新学校", "county": w.units["tunxi"].pk,
                                            "running_type": "211"}),
    ("post", "/api/v1/classes/", lambda w: {"school": w.schools["tunxi_primary"].pk, "stage": "1",
                                            "cohort_year": 2020, "number": 9}),
    ("get", "/api/v1/students/", None),
    ("post", "/api/v1/students/export/", lambda w: {}),
    ("get", "/api/v1/audit-events/", None),
])
def test_a_sysadmin_does_no_business(world, login, method, url, data):
    client = login(world.user("tunxi", "sysadmin"))

    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, data(world), content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("url", ["/api/v1/students/", "/api/v1/users/", "/api/v1/schools/", "/api/v1/classes/",
                                 "/api/v1/org-units/", "/api/v1/jobs/"])
def test_auditors_read_the_audit_log_and_nothing_else(world, login, url):
    client = login(world.user("tunxi", "auditor"))

    assert client.get("/api/v1/audit-events/").status_code == 200
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(("unit", "role", "method", "url"), [
    ("tunxi_primary", "leader", "post", "/api/v1/classes/"),
    ("tunxi_primary", "registrar", "get", "/api/v1/users/"),
    ("tunxi_primary", "registrar", "get", "/api/v1/audit-events/"),
    ("tunxi_primary", "registrar", "post", "/api/v1/schools/"),  # schools are opened by authorities
    ("tunxi", "registrar", "post", "/api/v1/school-years/"),  # the calendar is the province's
    ("tunxi", "leader", "post", "/api/v1/users/"),
])
def test_users_without_the_capability_get_403(world, login, unit, role, method, url):
    client = login(world.user(unit, role))

    response = getattr(client, method)(url, {}, content_type="application/json")

    assert response.status_code == 403
    assert not AuditEvent.objects.exclude(action__startswith="auth.").exclude(action="access.denied").exists()


def test_anonymous_clients_get_nothing(world, client):
    for url in ("/api/v1/me/", "/api/v1/students/", "/api/v1/users/", "/api/v1/audit-events/"):
        response = client.get(url)
        assert response.status_code in (401, 403)
        assert response.json()["code"] == "not_authenticated"


def test_me_tells_a_client_its_roles_and_capabilities(world, login):
    client = login(world.user("tunxi_primary", "registrar"))

    me = client.get("/api/v1/me/").json()

    assert me["roles"] == ["registrar"]
    assert me["org_unit"] == world.units["tunxi_primary"].pk
    assert "student.view_id" in me["capabilities"] and "user.manage" not in me["capabilities"]


def test_a_token_of_a_deactivated_account_stops_working(world, client):
    from xueji.testing import PASSWORD

    token = client.post("/api/v1/auth/token/", {"username": "tunxi_primary_leader", "password": PASSWORD},
                        content_type="application/json").json()["token"]
    User.objects.filter(username="tunxi_primary_leader").update(is_active=False)

    response = client.get("/api/v1/students/", HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code in (401, 403)


def test_tokens_expire_and_rotate(world, client):
    import datetime as dt

    from xueji.core import clock

    user = world.user("tunxi_primary", "registrar")
    first = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD},
                        content_type="application/json").json()["token"]
    second = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD},
                         content_type="application/json").json()["token"]
    assert first != second
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {first}").status_code == 401
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {second}").status_code == 200
    with clock.shifted(dt.timedelta(hours=13)):
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {second}")
    assert response.status_code == 401 and "expired" in response.json()["message"]


def test_non_numeric_ids_answer_json_404(world, client):
    client.force_login(world.user("tunxi_primary", "registrar"))
    response = client.get("/api/v1/students/abc/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
