"""Bad input answers 400 in one shape and writes nothing; the OpenAPI schema and docs are served offline."""

import re

import pytest

from xueji.accounts.models import User
from xueji.audit.models import AuditEvent
from xueji.schools.models import SchoolClass


@pytest.fixture
def registrar(world, login):
    return login(world.user("tunxi_primary", "registrar"))


@pytest.fixture
def nothing_written(world):
    """After the test: no class, user or audit row beyond the sign-in was written."""
    counts = (SchoolClass.objects.count(), User.objects.count())
    yield
    assert (SchoolClass.objects.count(), User.objects.count()) == counts
    assert not AuditEvent.objects.exclude(action__startswith="auth.").exclude(action="access.denied").exists()


def _post(client, url, body):
    return client.post(url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_malformed_json(registrar, nothing_written):
    response = _post(registrar, "/api/v1/classes/", '{"school": 1, "stage": ')

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["message"]
    assert "JSON parse error" in body["details"]["non_field_errors"][0]


def test_wrong_types(world, registrar, nothing_written):
    response = _post(registrar, "/api/v1/classes/", {"school": "first", "stage": "9", "cohort_year": "2024",
                                                     "number": [1]})

    assert response.status_code == 400
    details = response.json()["details"]
    assert set(details) == {"school", "stage", "number"}  # "2024" is a fine number
    assert details["school"] == ["A valid integer is required."]
    assert details["stage"] == ['"9" is not a valid choice.']


def test_missing_fields(registrar, nothing_written):
    response = _post(registrar, "/api/v1/classes/", {})

    assert response.status_code == 400
    assert response.json()["details"] == {field: ["This field is required."]
                                          for field in ("school", "stage", "cohort_year", "number")}


def test_a_json_body_that_is_not_an_object(registrar, nothing_written):
    response = _post(registrar, "/api/v1/classes/", [1, 2, 3])

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "non_field_errors" in response.json()["details"]


def test_a_forged_school_id(registrar, nothing_written):
    response = _post(registrar, "/api/v1/classes/", {"school": 987654, "stage": "1", "cohort_year": 2024,
                                                     "number": 4})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_forged_org_unit_id(world, login, nothing_written):
    client = login(world.user("tunxi", "sysadmin"))

    response = _post(client, "/api/v1/users/", {"username": "forged", "full_name": "伪造", "org_unit": 987654,
                                                "roles": ["leader"], "password": "Start#2026abc"})

    assert response.status_code == 404


def test_a_service_rule_answers_with_the_same_shape(world, login, nothing_written):
    client = login(world.user("tunxi", "sysadmin"))

    response = _post(client, "/api/v1/users/", {"username": "weak", "full_name": "弱", "org_unit":
                                                world.units["tunxi"].pk, "roles": [], "password": "abc"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "weak_password"
    assert "at least 8 characters" in body["message"]
    assert body["details"]["password"]


@pytest.mark.parametrize("url", ["/api/v1/students/abc/", "/api/v1/classes/1e3/", "/api/v1/users/-1/"])
def test_a_non_numeric_pk_answers_404(registrar, url):
    assert registrar.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/api/v1/classes/?school=x", "/api/v1/classes/?cohort_year=late",
                                 "/api/v1/schools/?county=1;drop", "/api/v1/org-units/?parent=root"])
def test_malformed_filters_answer_400(world, login, url):
    client = login(world.user("tunxi", "registrar"))

    response = client.get(url)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["details"]) == [url.split("?")[1].split("=")[0]]


# OpenAPI -------------------------------------------------------------------------------------------


def test_the_schema_is_served_to_signed_in_users(world, registrar, client):
    response = registrar.get("/api/schema/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "openapi: 3" in text
    assert "/api/v1/students/{id}/" in text and "/api/v1/auth/token/" in text


def test_the_schema_is_not_public(db, client):
    assert client.get("/api/schema/").status_code in (401, 403)


def test_the_docs_are_served_from_our_own_static_files(world, registrar):
    response = registrar.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" in html
    external = re.findall(r"""(?:src|href|url)\s*[=:]\s*["'](https?://[^"']+)""", html)
    assert external == []
    assert "cdn." not in html and "unpkg" not in html
