"""The schools and classes of each county (schools/tallies.py): kept by the services that open them, they agree with
a fresh COUNT; an authority's counts (the menu, the workbench) are a SUM over its counties' rows, never a COUNT
over its classes; `rebuild_counts` finds and mends a difference; a refused opening leaves them as they were."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xueji.accounts.jurisdiction import within
from xueji.core.errors import ValidationFailed
from xueji.schools import services, tallies
from xueji.schools.models import CountyTally, School, SchoolClass
from xueji.schools.selectors import class_count, school_count

UNITS = ("tunxi_primary", "tunxi", "shexian", "huangshan", "anhui", "jiangsu")


def _counted(unit: str, world) -> tuple[int, int]:
    user = world.user(unit, "registrar")
    return within(School.objects.all(), user).count(), within(SchoolClass.objects.all(), user).count()


@pytest.mark.django_db
def test_the_tallies_follow_the_services_and_answer_every_level(world):
    assert tallies.differences() == {}
    county = world.user("tunxi", "registrar")
    before = {unit: _counted(unit, world) for unit in UNITS}

    school = services.school_create(actor=county, code="3410021099", name="新安小学", county=world.units["tunxi"],
                                    running_type="211")
    services.class_create(actor=county, school=school, stage="1", cohort_year=2024, number=1)
    services.class_create(actor=county, school=world.schools["tunxi_primary"], stage="1", cohort_year=2024, number=7)

    assert tallies.differences() == {}
    assert CountyTally.objects.get(county=world.units["tunxi"]).classes == 4  # two of the world, two opened
    for unit in UNITS:
        user = world.user(unit, "registrar")
        schools, classes = _counted(unit, world)
        assert class_count(user=user) == classes, unit
        if unit != "tunxi_primary":
            assert school_count(user=user) == schools, unit
    assert _counted("anhui", world) == (before["anhui"][0] + 1, before["anhui"][1] + 2)
    assert _counted("shexian", world) == before["shexian"]


@pytest.mark.django_db
def test_an_authority_sums_its_counties_rows_and_counts_no_class(world):
    for unit in ("tunxi", "huangshan", "anhui"):
        user = world.user(unit, "registrar")
        with CaptureQueriesContext(connection) as captured:
            class_count(user=user)
            school_count(user=user)
        sql = " ".join(q["sql"] for q in captured.captured_queries)
        assert sql.count('"schools_countytally"') >= 2 and '"schools_schoolclass"' not in sql, unit
    with CaptureQueriesContext(connection) as captured:  # a school counts its own classes
        class_count(user=world.user("tunxi_primary", "registrar"))
    assert '"schools_schoolclass"' in captured.captured_queries[-1]["sql"]


@pytest.mark.django_db
def test_a_refused_opening_leaves_the_tallies_as_they_were(world):
    before = tallies.stored()
    with pytest.raises(ValidationFailed):
        services.class_create(actor=world.user("tunxi", "registrar"), school=world.schools["tunxi_primary"],
                              stage="1", cohort_year=2024, number=100)
    assert tallies.stored() == before


@pytest.mark.django_db
def test_rebuild_counts_finds_and_mends_a_tally(world, capsys):
    call_command("rebuild_counts", "--check")
    CountyTally.objects.filter(county=world.units["shexian"]).update(classes=9)

    with pytest.raises(CommandError, match="1 groups differ"):
        call_command("rebuild_counts", "--check")
    call_command("rebuild_counts")

    assert "1 had differed" in capsys.readouterr().out
    assert CountyTally.objects.get(county=world.units["shexian"]).classes == 1
    assert tallies.differences() == {}


@pytest.mark.django_db
def test_the_workbench_cards_of_every_authority_count_what_the_lists_hold(world, login):
    import re

    from xueji.regions.selectors import org_unit_list
    from xueji.registry.selectors import student_list

    county = world.user("tunxi", "registrar")
    school = services.school_create(actor=county, code="3410021099", name="新安小学", county=world.units["tunxi"],
                                    running_type="211")
    services.class_create(actor=county, school=school, stage="1", cohort_year=2024, number=1)
    for unit in ("tunxi", "huangshan", "anhui"):
        user = world.user(unit, "registrar")
        html = login(user).get("/").content.decode()
        shown = dict(re.findall(r'data-count="(\w+)">(\d+)<', html))
        schools, classes = _counted(unit, world)
        expected = {"student_list": student_list(user=user).count(), "class_list": classes, "school_list": schools,
                    "org_list": org_unit_list(user=user).count()}
        assert {key: int(shown.get(key, -1)) for key in expected} == expected, unit
