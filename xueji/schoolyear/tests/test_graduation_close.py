"""统一毕业 (issue 10, item 1, at the window's close): an authority graduates, set-based across the chosen schools of
its area, every pupil still in school in the compulsory final grade; the same path as a school's own graduation.
Refusals change nothing."""

import pytest
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core.errors import NotFound, ValidationFailed
from xueji.policy.models import BusinessWindow
from xueji.registry import counts
from xueji.registry.models import Student, StudentHistory
from xueji.schools.models import SchoolClass
from xueji.schools.selectors import current_school_year_start
from xueji.schoolyear.models import Graduate, GraduationBatch
from xueji.schoolyear.services import graduation_close
from xueji.schoolyear.tests.conftest import add_pupil


@pytest.fixture
def two_schools(scene):
    """A second school with a final grade: shexian_primary (another county of the same city)."""
    school = scene.schools["shexian_primary"]
    klass = SchoolClass.objects.create(school=school, stage="1", cohort_year=current_school_year_start() - 5,
                                       number=1)
    scene.shexian_graduating = [add_pupil(scene, klass, 20 + n) for n in range(2)]
    counts.rebuild()
    return scene


def _status(pupils):
    return dict(Student.objects.filter(pk__in=[p.pk for p in pupils]).values_list("pk", "status"))


def test_the_city_graduates_the_final_grades_of_its_schools_at_once(two_schools):
    world = two_schools
    history = StudentHistory.objects.count()
    done = graduation_close(actor=world.user("huangshan", "registrar"))
    everyone = [*world.graduating, *world.shexian_graduating]
    assert done["pupils"] == 5 and done["schools"] == 2
    assert set(_status(everyone).values()) == {"07"}
    assert Student.objects.get(pk=world.students["grade1"].pk).status == "01"  # not the final grade
    assert Student.objects.get(pk=world.students["tunxi_primary"].pk).status == "01"
    # One batch per school, one graduate row per pupil (destination unknown), one history row each, counts kept.
    assert dict(GraduationBatch.objects.values_list("school__code", "count")) == {"3410021001": 3, "3410211001": 2}
    assert set(Graduate.objects.values_list("destination", flat=True)) == {"00"}
    assert set(Graduate.objects.values_list("previous_status", flat=True)) == {"01"}
    assert StudentHistory.objects.count() == history  # the graduate rows are the pupils' record of it
    assert counts.differences() == {}
    assert AuditEvent.objects.filter(action="schoolyear.graduation_close").count() == 1
    # Again: nobody is left, a clear refusal.
    with pytest.raises(ValidationFailed) as refused:
        graduation_close(actor=world.user("huangshan", "registrar"))
    assert refused.value.code == "nothing_to_graduate"


def test_a_county_graduates_only_the_chosen_schools_of_its_own_area(two_schools):
    world = two_schools
    tunxi = world.user("tunxi", "registrar")
    before = _status(world.shexian_graduating)
    with pytest.raises(NotFound):  # shexian_primary is outside 屯溪区: as if absent, nothing written
        graduation_close(actor=tunxi, school_ids=[world.schools["tunxi_primary"].pk,
                                                  world.schools["shexian_primary"].pk])
    assert not GraduationBatch.objects.exists() and _status(world.shexian_graduating) == before
    done = graduation_close(actor=tunxi, school_ids=[world.schools["tunxi_primary"].pk])
    assert done["pupils"] == 3 and _status(world.shexian_graduating) == before


def test_outside_the_window_and_without_the_right_nothing_changes(two_schools):
    world = two_schools
    before = _status(world.graduating)
    with pytest.raises(Exception) as refused:
        graduation_close(actor=world.user("tunxi_primary", "registrar"))
    assert getattr(refused.value, "code", "") == "permission_denied"
    BusinessWindow.objects.filter(kind="graduation.graduation").delete()
    with pytest.raises(ValidationFailed) as refused:
        graduation_close(actor=world.user("huangshan", "registrar"))
    assert refused.value.code == "outside_business_window"
    assert _status(world.graduating) == before and not Graduate.objects.exists()


def test_the_calendar_ticks_schools_and_graduates_them(two_schools, client):
    world = two_schools
    client.force_login(world.user("huangshan", "registrar"))
    page = client.get(reverse("schoolyear:calendar"))
    assert page.status_code == 200
    assert 'name="schools"' in page.content.decode()
    done = client.post(reverse("schoolyear:graduation_close"),
                       {"schools": [world.schools["shexian_primary"].pk]}, follow=True)
    assert "2" in done.content.decode() and set(_status(world.shexian_graduating).values()) == {"07"}
    assert set(_status(world.graduating).values()) == {"01"}  # not ticked


def test_the_api_closes_graduation(two_schools, client):
    world = two_schools
    client.force_login(world.user("anhui", "registrar"))
    answer = client.post("/api/v1/graduation/close/", {"schools": [world.schools["tunxi_primary"].pk]},
                         content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["pupils"] == 3


def test_the_calendar_shows_where_admission_stands_per_county(scene, client):
    from xueji.admissions.models import AdmissionPlan
    from xueji.core import clock

    AdmissionPlan.objects.create(school=scene.schools["tunxi_primary"], stage="1", year=current_school_year_start(),
                                 quota=123, updated_by=scene.user("tunxi", "registrar"), updated_at=clock.now())
    client.force_login(scene.user("huangshan", "registrar"))
    page = client.get(reverse("schoolyear:calendar")).content.decode()
    cell = page.split('data-testid="admission"')[1].split("</td>")[0]
    assert "123" in cell


def test_the_close_is_signed_once_and_each_batch_verifies(two_schools):
    from xueji.schoolyear.models import Graduate
    from xueji.schoolyear.signatures import batch_verified
    from xueji.signing.models import Signature

    graduation_close(actor=two_schools.user("huangshan", "registrar"))
    assert Signature.objects.filter(subject="schoolyear.graduation_close").count() == 1
    batches = list(GraduationBatch.objects.all())
    assert len(batches) == 2 and all(batch_verified(b) is True for b in batches)
    Graduate.objects.filter(batch=batches[0]).first().delete()  # a graduate row removed behind the app's back
    assert batch_verified(batches[1]) is False


def test_a_county_that_closed_its_window_stops_the_citys_close(two_schools, django_assert_max_num_queries):
    # 歙县 narrowed the graduation window to last month: the city's close over both counties is refused, naming the
    # window and who set it, and nothing is written; 屯溪区's own close still goes through. The windows of all the
    # counties are read at once (window_require_many), as window_require would read each.
    import datetime as dt

    from xueji.core import clock
    from xueji.policy.services import window_require, window_require_many

    world = two_schools
    today = clock.today()
    BusinessWindow.objects.create(province_code="340000", org_unit=world.units["shexian"],
                                  kind="graduation.graduation", start_date=today - dt.timedelta(days=20),
                                  end_date=today - dt.timedelta(days=10))
    before = _status([*world.graduating, *world.shexian_graduating])
    with pytest.raises(ValidationFailed) as refused:
        graduation_close(actor=world.user("huangshan", "registrar"))
    assert refused.value.code == "outside_business_window"
    assert refused.value.details["set_by"] == world.units["shexian"].name
    assert _status([*world.graduating, *world.shexian_graduating]) == before and not Graduate.objects.exists()
    with pytest.raises(ValidationFailed) as alone:
        window_require(kind="graduation.graduation", unit=world.schools["shexian_primary"])
    assert alone.value.details == refused.value.details
    schools = [world.schools["tunxi_primary"], world.units["tunxi"]]
    with django_assert_max_num_queries(2):
        window_require_many(kind="graduation.graduation", units=schools)
    assert graduation_close(actor=world.user("tunxi", "registrar"))["pupils"] == 3
