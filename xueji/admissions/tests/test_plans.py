"""招生计划: the admissions office sets each school's plan; a school asks for a change, which the office approves."""

import pytest

from xueji.admissions import services
from xueji.admissions.models import AdmissionPlan
from xueji.admissions.tests.helpers import graduate, office, plan, row, upload, year
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from xueji.workflow.models import Request


def test_the_county_office_sets_and_changes_a_plan_of_its_school(scene):
    first = plan(scene, "tunxi_senior", 40)
    again = plan(scene, "tunxi_senior", 45)
    assert first.pk == again.pk
    assert AdmissionPlan.objects.get(pk=first.pk).quota == 45


def test_an_office_sets_no_plan_outside_its_area_and_a_registrar_none_at_all(scene):
    with pytest.raises(NotFound):
        services.plan_set(actor=office(scene, "shexian"), school=scene.schools["tunxi_senior"], stage="3",
                          year=year(), quota=10)
    with pytest.raises(Forbidden):
        services.plan_set(actor=scene.user("tunxi", "registrar"), school=scene.schools["tunxi_senior"], stage="3",
                          year=year(), quota=10)
    assert not AdmissionPlan.objects.exists()


def test_a_plan_form_reports_every_error_at_once(scene):
    with pytest.raises(ValidationFailed) as refused:
        services.plan_set(actor=office(scene), school=scene.schools["tunxi_senior"], stage="1", year=1900,
                          quota=-1)
    assert set(refused.value.details) == {"stage", "year", "quota"}


def test_a_plan_cannot_fall_below_the_pupils_admitted(scene):
    plan(scene, "tunxi_senior", 2)
    upload(scene, row(graduate(scene, 1), "tunxi_senior"), row(graduate(scene, 2), "tunxi_senior"))
    with pytest.raises(Conflict) as refused:
        plan(scene, "tunxi_senior", 1)
    assert refused.value.code == "plan_below_admitted"


def test_a_school_files_a_plan_change_and_its_county_office_approves_it(scene):
    plan(scene, "tunxi_senior", 40)
    filed = services.plan_change_file(actor=scene.user("tunxi_senior", "registrar"), stage="3", year=year(),
                                      quota=50, reason="新校区")
    assert filed.steps.get().role == "admissions"
    with pytest.raises(Forbidden):  # another county's office does not hold the step
        services.plan_change_decide(actor=office(scene, "shexian"), request=filed, approve=True)
    services.plan_change_decide(actor=office(scene), request=filed, approve=True)
    assert Request.objects.get(pk=filed.pk).status == "approved"
    assert AdmissionPlan.objects.get(school=scene.schools["tunxi_senior"], stage="3", year=year()).quota == 50


def test_a_second_plan_change_waits_for_the_first(scene):
    actor = scene.user("tunxi_senior", "registrar")
    services.plan_change_file(actor=actor, stage="3", year=year(), quota=50, reason="新校区")
    with pytest.raises(Conflict):
        services.plan_change_file(actor=actor, stage="3", year=year(), quota=60, reason="再扩")
