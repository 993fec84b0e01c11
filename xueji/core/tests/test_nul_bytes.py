"""A NUL byte in a query parameter is a precise 400, never a 500 from the database driver (PostgreSQL text
cannot hold NUL). Runs on SQLite and PostgreSQL."""

import pytest


@pytest.mark.parametrize("url", [
    "/api/v1/students/?name=%00",
    "/api/v1/students/?id_number=3410%0002",
    "/api/v1/audit-events/?action=a%00b",
    "/api/v1/schools/?%00=1",
])
def test_a_nul_byte_in_an_api_filter_is_a_400_that_names_the_parameter(world, login, url):
    client = login(world.user("anhui", "registrar"))

    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "NUL" in body["message"]
    assert list(body["details"].values()) == [["NUL characters are not allowed."]]
    assert "Traceback" not in response.content.decode() and "psycopg" not in response.content.decode()


def test_the_api_answers_in_chinese_by_default(world, login):
    response = login(world.user("anhui", "registrar")).get("/api/v1/students/?name=%00")

    assert response.status_code == 400
    assert response.json()["details"] == {"name": ["不允许包含 NUL 字符。"]}


def test_a_nul_byte_on_a_page_is_a_400_too(world, login):
    response = login(world.user("anhui", "registrar")).get("/students/?q=%00")

    assert response.status_code == 400
