"""No ID numbers in URLs (item 7): searching by ID goes by POST or behind a hashed lookup token, so the number
never reaches the query string, the browser history or the access log."""

import datetime as dt
import re

from django.urls import reverse

from xueji.registry.models import Student


def _id(world) -> str:
    return world.students["tunxi_primary"].id_number


def test_the_student_list_searches_by_id_with_post_and_a_token_in_the_url(world, login):
    client = login(world.user("tunxi", "registrar"))
    number = _id(world)

    response = client.post(reverse("registry:student_list"), {"q": number, "sex": "1"})

    assert response.status_code == 302
    location = response["Location"]
    assert number not in location and number[:6] not in location
    assert re.fullmatch(r"/students/\?sex=1&search=[0-9a-f]{24}", location)
    html = client.get(location).content.decode()
    assert "学生1" in html and "学生2" not in html  # the search ran on the text behind the token
    assert not [href for href in re.findall(r'(?:href|action)="([^"]*)"', html) if number in href]  # nor in links


def test_an_id_in_the_query_string_is_moved_behind_a_token(world, login):
    client = login(world.user("tunxi", "registrar"))
    number = _id(world)

    response = client.get(reverse("registry:student_list"), {"q": number})

    assert response.status_code == 302 and number not in response["Location"]
    assert "学生1" in client.get(response["Location"]).content.decode()


def test_the_token_reveals_nothing_to_another_session(world, login, client):
    number = _id(world)
    location = login(world.user("tunxi", "registrar")).post(reverse("registry:student_list"), {"q": number})["Location"]

    other = login(world.user("tunxi", "leader"))  # a new session (force_login on the same client logs out first)
    html = other.get(location).content.decode()

    assert "这次搜索已过期" in html
    assert "学生2" in html  # the whole list, unfiltered: the token alone finds nothing


def test_a_leader_sees_the_id_searched_masked_and_exports_by_the_token(world, login):
    client = login(world.user("tunxi", "leader"))
    number = _id(world)
    location = client.post(reverse("registry:student_list"), {"q": number})["Location"]

    html = client.get(location).content.decode()
    token = location.rsplit("=", 1)[1]

    assert number not in html
    assert f'name="search" value="{token}"' in html  # the export form carries the token, not the number
    again = client.post(reverse("registry:student_list"), {"q": html.split('name="q" value="')[1].split('"')[0],
                                                      "search": token})
    assert again["Location"] == location  # the masked text shown back still means the same search
    response = client.post(reverse("registry:student_export"), {"search": token})
    assert response.status_code == 302
    from xueji.jobs.models import Job

    assert Job.objects.get().params["filters"] == {"q": number}


def test_the_api_refuses_an_id_in_the_query_string_and_searches_by_post(world, login):
    client = login(world.user("tunxi", "registrar"))
    number = _id(world)
    before = Student.objects.count()

    refused = client.get("/api/v1/students/", {"q": number}, HTTP_ACCEPT_LANGUAGE="en")
    found = client.post(reverse("api:student-search"), {"q": number}, content_type="application/json")

    assert refused.status_code == 400 and refused.json()["code"] == "id_in_url"
    assert [row["id"] for row in found.json()["results"]] == [world.students["tunxi_primary"].pk]
    assert client.get("/api/v1/students/", {"q": "学生1"}).status_code == 200  # names stay searchable by GET
    assert Student.objects.count() == before


def test_the_preschool_lookup_takes_the_id_in_the_body(world, login):
    from xueji.registration.models import PreschoolRecord

    client = login(world.user("tunxi_primary", "registrar"))
    number = "341002201909010013"
    PreschoolRecord.objects.create(province_code="340000", id_number=number, name="幼儿", sex="1",
                                   birth_date=dt.date(2019, 9, 1), kindergarten="屯溪幼儿园", data={})

    assert client.get(reverse("api:preschool-lookup"), {"id_number": number}).status_code == 405
    found = client.post(reverse("api:preschool-lookup"), {"id_number": number}, content_type="application/json")
    assert found.status_code == 200 and found.json()["name"] == "幼儿"


def test_the_number_lookup_takes_the_number_in_the_body(world, login):
    client = login(world.user("tunxi", "registrar"))
    assert client.get(reverse("problems:number_lookup"), {"number": "G" + _id(world)}).context["found"] is None


def test_an_expired_search_exports_nothing(world, login):
    from xueji.jobs.models import Job

    client = login(world.user("tunxi", "leader"))

    response = client.post(reverse("registry:student_export"), {"search": "0" * 24})

    assert response.status_code == 302 and response["Location"] == reverse("registry:student_list")
    assert not Job.objects.exists()


def test_the_drafts_search_by_id_with_post_and_a_token_in_the_url(world, login):
    from xueji.registry.models import RegStatus

    draft = world.students["tunxi_primary"]
    Student.objects.filter(pk=draft.pk).update(reg_status=RegStatus.DRAFT)
    client = login(world.user("tunxi_primary", "registrar"))

    response = client.post(reverse("registration:draft_list"), {"q": draft.id_number, "kind": "enrolled"})

    assert response.status_code == 302 and draft.id_number not in response["Location"]
    assert "kind=enrolled" in response["Location"]
    html = client.get(response["Location"]).content.decode()
    assert draft.name in html and 'data-testid="draft-count">1<' in html
