"""The API's one permission (IsActiveUser, xueji/accounts/api/permissions.py) refuses by what the view declares
for the method (xueji/core/capabilities.py): before the body is read, with the words the selectors' refusal has."""

import pytest
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from xueji.core.capabilities import SIGNED_IN, requires

pytestmark = pytest.mark.django_db


def test_without_the_capability_the_answer_is_403_whatever_the_body(world, login):
    client = login(world.user("tunxi", "auditor"))  # holds no student.view

    response = client.post("/api/v1/students/search/", "{not json", content_type="application/json")

    assert response.status_code == 403
    assert response.json() == {"code": "permission_denied", "message": "您的角色无权执行此操作。"}


def test_the_refusal_speaks_the_language_of_the_request(world, login):
    client = login(world.user("tunxi", "auditor"))

    response = client.get("/api/v1/requests/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    assert response.json() == {"code": "permission_denied", "message": "Your roles do not allow this operation."}


def test_a_method_the_view_does_not_answer_is_405_whoever_asks(world, login, client):
    for user in (world.user("tunxi", "sysadmin"), world.user("tunxi", "auditor")):
        assert login(user).delete("/api/v1/users/").status_code == 405


def test_options_describes_only_what_the_user_may_do(world, login):
    school = login(world.user("tunxi_primary", "registrar")).options("/api/v1/schools/")  # reads schools only
    assert school.status_code == 200
    assert "POST" not in school.json().get("actions", {})

    county = login(world.user("tunxi", "registrar")).options("/api/v1/schools/")  # opens them
    assert "POST" in county.json()["actions"]


def test_the_token_endpoint_is_public(client):
    assert client.options("/api/v1/auth/token/").status_code == 200
    assert client.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"},
                       content_type="application/json").status_code == 401  # the credentials, not the door


def test_a_method_declared_nowhere_is_refused_to_everyone(world):
    @requires(get=SIGNED_IN)
    class HalfDeclared(APIView):
        def get(self, request):
            return Response({})

        def post(self, request):
            return Response({})

    factory = APIRequestFactory()
    for method in ("get", "post"):
        request = getattr(factory, method)("/half/", {}, format="json")
        force_authenticate(request, user=world.user("anhui", "registrar"))
        response = HalfDeclared.as_view()(request)
        assert response.status_code == (200 if method == "get" else 403)
    assert response.data["code"] == "permission_denied"


def test_the_schema_says_what_the_declarations_say(world, login):
    schema = login(world.user("anhui", "registrar")).get("/api/schema/", {"format": "json"}).json()

    assert {} in schema["paths"]["/api/v1/auth/token/"]["post"]["security"]  # PUBLIC: no credentials needed
    assert {} not in schema["paths"]["/api/v1/me/"]["get"]["security"]
