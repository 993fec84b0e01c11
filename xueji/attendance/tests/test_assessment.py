"""考核: each unit below the user's scored for the term, with its components (data quality, timeliness, support)."""

import datetime as dt

import pytest

from xueji.attendance import assessment
from xueji.attendance.models import MonthlyReport
from xueji.core import clock
from xueji.core.errors import Forbidden, ValidationFailed
from xueji.registry.models import Student
from xueji.training.models import Certificate

TODAY = dt.date(2026, 3, 20)  # spring term 2025-2: February's report was due on 5 March


def _certify_registrars_under(world, unit: str) -> None:
    """A valid registrar certificate of their level for every registrar of the unit and below."""
    from xueji.accounts.models import User
    from xueji.training.models import Course

    path = world.units[unit].path
    for n, user in enumerate(User.objects.filter(org_unit__path__startswith=path, role_assignments__role="registrar")
                             .select_related("org_unit")):
        course, _ = Course.objects.get_or_create(
            org_unit=world.units["anhui"], level=user.org_unit.kind, for_registrars=True,
            defaults={"title": f"上岗培训 {user.org_unit.kind}", "created_by": world.user("anhui", "registrar")})
        Certificate.objects.create(user=user, course=course, org_unit=user.org_unit, number=f"C{n}", code=f"K{n}",
                                   issued_at=clock.now(), valid_until=dt.date(2030, 1, 1))


def test_a_county_with_unverified_pupils_and_a_missing_report_scores_lower(world, login):
    Student.objects.filter(school__county=world.units["tunxi"]).update(verify_status="verified")
    MonthlyReport.objects.create(org_unit=world.units["tunxi"], month=dt.date(2026, 2, 1), figures={}, manual={},
                                 status="submitted", generated_at=clock.now(),
                                 generated_by=world.user("tunxi", "registrar"))
    _certify_registrars_under(world, "tunxi")
    with clock.frozen(TODAY):
        result = assessment.assessment(user=world.user("huangshan", "leader"))
    rows = {row["unit"].name: row for row in result["rows"]}
    assert result["term"] == "2025-2"
    tunxi, shexian = rows["tunxi authority"], rows["shexian authority"]
    # 屯溪区's registrars are all certified, 歙县's are not (training coverage, 15 points).
    assert (tunxi["registrars"], tunxi["certified"], tunxi["training"]) == (3, 3, 15)
    assert (tunxi["unverified"], tunxi["missing_reports"], tunxi["quality"], tunxi["score"]) == (0, 0, 35, 100)
    assert (shexian["unverified"], shexian["missing_reports"]) == (1, 1)
    assert shexian["certified"] == 0 and shexian["training"] == 0
    assert shexian["quality"] == 0 and shexian["timeliness"] == 20 and shexian["score"] == 45
    with clock.frozen(TODAY):
        page = login(world.user("huangshan", "leader")).get("/attendance/assessment/")
        api = login(world.user("huangshan", "leader")).get("/api/v1/attendance/assessment/", {"term": "2025-2"})
    assert page.status_code == 200 and "shexian authority" in page.content.decode()
    assert {u["unit_name"]: u["score"] for u in api.json()["units"]} == {"tunxi authority": 100,
                                                                         "shexian authority": 45}


def test_assessment_refuses_a_school_and_a_bad_term(world):
    with pytest.raises(Forbidden):
        assessment.assessment(user=world.user("tunxi_primary", "leader"))
    with pytest.raises(ValidationFailed):
        assessment.assessment(user=world.user("anhui", "leader"), term="2026")


def test_support_points_fall_from_two_to_forty_eight_hours():
    assert assessment._support_points(None) == 25 and assessment._support_points(2) == 25
    assert assessment._support_points(25) == 12.5 and assessment._support_points(60) == 0


def _counties(world, first: int, count: int) -> None:
    from xueji.regions.models import OrgKind, OrgUnit

    for n in range(first, first + count):
        OrgUnit.objects.create(kind=OrgKind.COUNTY, name=f"test county {n}", code=f"3410{90 + n:02d}",
                               parent=world.units["huangshan"])


def test_the_assessment_costs_the_same_queries_for_n_and_3n_units(world):
    """Set-based: the queries are grouped by the unit below, so three times the units cost no more queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    leader = world.user("huangshan", "leader")
    _counties(world, 0, 2)
    with clock.frozen(TODAY):
        assessment.assessment(user=leader)  # the user's roles, read once and kept on the user
    with clock.frozen(TODAY), CaptureQueriesContext(connection) as few:
        small = assessment.assessment(user=leader)
    _counties(world, 2, 8)
    with clock.frozen(TODAY), CaptureQueriesContext(connection) as many:
        large = assessment.assessment(user=leader)
    assert (len(small["rows"]), len(large["rows"])) == (4, 12)
    assert len(many.captured_queries) == len(few.captured_queries) <= 12
    # The world's counties score the same among more units; a unit without anything scores full marks.
    assert {r["unit"].name: r["score"] for r in small["rows"]} == {
        r["unit"].name: r["score"] for r in large["rows"] if r["unit"].name in {u["unit"].name for u in small["rows"]}}
    empty = next(r for r in large["rows"] if r["unit"].name == "test county 7")
    assert (empty["pupils"], empty["waiting"], empty["registrars"], empty["training"]) == (0, 0, 0, 15)
