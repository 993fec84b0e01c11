"""The problem list's one FilterSet: the page and the API answer the same problems for the same filters, refuse a
malformed value (the page on its form, the API with a 400 naming the field), and find nothing through a county or
school outside the user's jurisdiction, even where a duplicate has a record there."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from xueji.problems.choices import ProblemKind, ProblemStatus
from xueji.problems.filters import ProblemFilterSet
from xueji.problems.models import Problem
from xueji.problems.records import record_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def problems(world) -> dict[str, Problem]:
    """An ID error in tunxi_primary (resolved), one in yaohai_primary, and a duplicate across tunxi_middle and
    shexian_primary (two counties of Huangshan)."""
    pupils = world.students
    record_problems(kind=ProblemKind.ID_ERROR, province_code="340000", source="verification",
                    groups={f"s{pupils[s].pk}": [pupils[s].pk] for s in ("tunxi_primary", "yaohai_primary")})
    record_problems(kind=ProblemKind.DUPLICATE_ID, province_code="340000", source="scan",
                    groups={"340000200001010011": [pupils["tunxi_middle"].pk, pupils["shexian_primary"].pk]})
    found = {"tunxi_primary": Problem.objects.get(key=f"s{pupils['tunxi_primary'].pk}"),
             "yaohai_primary": Problem.objects.get(key=f"s{pupils['yaohai_primary'].pk}"),
             "duplicate": Problem.objects.get(kind=ProblemKind.DUPLICATE_ID)}
    Problem.objects.filter(pk=found["tunxi_primary"].pk).update(status=ProblemStatus.RESOLVED)
    return found


def _page(client, filters) -> tuple[set[int], str]:
    html = client.get(reverse("problems:problem_list"), filters).content.decode()
    return {int(pk) for pk in re.findall(r'href="/problems/(\d+)/"', html)}, html


def _api(client, filters):
    return client.get("/api/v1/problems/", {**filters, "page_size": 500})


def _ids(world, filters: dict) -> dict:
    return {k: world.units[v].pk if k == "county" else world.schools[v].pk if k == "school" else v
            for k, v in filters.items()}


@pytest.mark.parametrize(("filters", "shown"), [
    ({"status": ""}, {"tunxi_primary", "yaohai_primary", "duplicate"}),
    ({"status": "unresolved"}, {"yaohai_primary", "duplicate"}),
    ({"status": "resolved"}, {"tunxi_primary"}),
    ({"status": "open", "kind": "duplicate_id"}, {"duplicate"}),
    ({"status": "", "kind": "id_error"}, {"tunxi_primary", "yaohai_primary"}),
    ({"status": "", "county": "tunxi"}, {"tunxi_primary", "duplicate"}),
    ({"status": "", "county": "shexian"}, {"duplicate"}),
    ({"status": "", "school": "tunxi_primary"}, {"tunxi_primary"}),
    ({"status": "pending"}, set()),
])
def test_the_problem_page_and_api_list_the_same_problems(world, login, problems, filters, shown):
    client = login(world.user("anhui", "registrar"))
    filters = _ids(world, filters)

    page, _html = _page(client, filters)
    response = _api(client, filters)

    assert response.status_code == 200, response.content
    assert page == {row["id"] for row in response.json()["results"]} == {problems[name].pk for name in shown}


def test_the_page_lists_the_unresolved_by_default_and_the_api_everything(world, login, problems):
    client = login(world.user("anhui", "registrar"))

    assert _page(client, {})[0] == {problems["yaohai_primary"].pk, problems["duplicate"].pk}
    assert {row["id"] for row in _api(client, {}).json()["results"]} == {p.pk for p in problems.values()}


@pytest.mark.parametrize(("query", "field"), [({"status": "bogus"}, "status"), ({"kind": "typo"}, "kind"),
                                              ({"county": "abc"}, "county"), ({"school": "1.5"}, "school"),
                                              ({"source": "somewhere"}, "source")])
def test_a_malformed_filter_answers_400_with_a_stable_code_naming_the_field(world, login, problems, query, field):
    response = _api(login(world.user("anhui", "registrar")), query)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["details"]) == [field]


@pytest.mark.parametrize(("query", "field"), [({"status": "bogus"}, "status"), ({"county": "abc"}, "county")])
def test_the_page_shows_a_malformed_filter_on_its_form(world, login, problems, query, field):
    client = login(world.user("anhui", "registrar"))

    response = client.get(reverse("problems:problem_list"), query)

    assert response.status_code == 200
    assert response.context["filter_form"].errors.keys() == {field}
    assert 'class="text-danger small"' in response.content.decode()


def test_a_school_outside_the_jurisdiction_finds_nothing_even_through_a_shared_duplicate(world, login, problems):
    client = login(world.user("tunxi", "registrar"))  # sees the duplicate: its tunxi_middle record is in Tunxi
    assert problems["duplicate"].pk in {row["id"] for row in _api(client, {"status": ""}).json()["results"]}

    for foreign in ({"school": world.schools["shexian_primary"].pk}, {"county": world.units["shexian"].pk},
                    {"school": world.schools["xuanwu_primary"].pk}):
        response = _api(client, {"status": "", **foreign})
        assert response.status_code == 200 and response.json()["results"] == []
        # The page does not offer it and refuses it on its form (the list stays unfiltered, nothing foreign added).
        page = client.get(reverse("problems:problem_list"), {"status": "", **foreign})
        assert list(page.context["filter_form"].errors) == list(foreign)
        assert _page(client, {"status": ""})[0] == _page(client, {"status": "", **foreign})[0]


def test_the_page_offers_the_users_counties_and_schools_and_a_school_neither(world, problems):
    from xueji.regions.selectors import county_choices
    from xueji.schools.selectors import school_list

    user = world.user("huangshan", "registrar")
    form = ProblemFilterSet({}, user=user, page=True, choices={"county": county_choices(user=user),
                                                               "school": school_list(user=user)}).form
    assert list(form.fields) == ["kind", "status", "county", "school"]
    assert {c.pk for c in form.fields["county"].queryset} == {world.units["tunxi"].pk, world.units["shexian"].pk}
    assert {s.pk for s in form.fields["school"].queryset} == {
        world.schools[s].pk for s in ("tunxi_primary", "tunxi_middle", "shexian_primary")}
    with translation.override("zh-hans"):
        assert [str(f.label) for f in form.fields.values()] == ["类型", "状态", "区县级教育行政部门", "学校"]
        assert [str(label) for _v, label in form.fields["status"].choices] == [
            "全部", "未解决", "待处理", "待审核", "仲裁中", "已处理"]

    school_form = ProblemFilterSet({}, user=world.user("tunxi_middle", "leader"), page=True).form
    assert list(school_form.fields) == ["kind", "status"]


def test_a_school_sees_its_problems_and_its_page_ignores_county_and_school(world, login, problems):
    client = login(world.user("tunxi_middle", "leader"))
    filters = {"status": "", "school": world.schools["shexian_primary"].pk}

    page, html = _page(client, filters)

    assert page == {problems["duplicate"].pk} and 'name="school"' not in html
    assert _api(client, filters).json()["results"] == []  # the API applies it: no record of shexian is its own
