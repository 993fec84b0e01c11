"""Compulsory admission by catchment (义务教育划片入学): the office's catchments, the preview that writes nothing, the
unified run within plans and class seats, and the pupils it leaves out."""

import datetime as dt

import pytest

from xueji.admissions import catchment, services
from xueji.admissions.models import Admission
from xueji.admissions.tests.helpers import office, year
from xueji.core import idnumbers
from xueji.core.errors import NotFound, ValidationFailed
from xueji.registration.models import PreschoolRecord
from xueji.registry.choices import StudentStatus
from xueji.registry.models import Student
from xueji.schools.models import SchoolClass


def _primary_graduate(world, n: int, address: str) -> Student:
    from xueji.registry import counts

    birth = dt.date(2014, 1 + n % 12, 1 + n % 28)
    klass = SchoolClass.objects.get_or_create(school=world.schools["tunxi_primary"], stage="1",
                                              cohort_year=year() - 6, number=9)[0]
    student = Student.objects.create(
        school=world.schools["tunxi_primary"], school_class=klass, province_code="340000", name=f"小毕{n}",
        sex="1", birth_date=birth, id_number=idnumbers.make("341002", birth, 2 * n + 501), address=address,
        status=StudentStatus.GRADUATED)
    counts.rebuild()
    return student


@pytest.fixture
def junior(scene):
    middle = scene.schools["tunxi_middle"]
    for number in (1, 2):
        SchoolClass.objects.create(school=middle, stage="2", cohort_year=year(), number=number)
    services.plan_set(actor=office(scene), school=middle, stage="2", year=year(), quota=2)
    catchment.catchment_set(actor=office(scene), school=middle, stage="2", area="黄山市屯溪区")
    return middle


def test_the_preview_writes_nothing_and_the_run_admits_within_the_plan(scene, junior):
    pupils = [_primary_graduate(scene, n, "黄山市屯溪区新安北路8号") for n in range(3)]
    stray = _primary_graduate(scene, 9, "合肥市瑶海区长江路1号")
    preview = catchment.catchment_preview(actor=office(scene), stage="2", year=year())
    assert (preview["candidates"], preview["admitted"], preview["unmatched"]) == (4, 2, 1)
    assert preview["schools"][0]["over_plan"] == 1
    assert not Admission.objects.exists()

    done = catchment.catchment_run(actor=office(scene), stage="2", year=year())
    assert done["admitted"] == 2
    admitted = set(Admission.objects.values_list("student_id", flat=True))
    assert admitted == {pupils[0].pk, pupils[1].pk} and stray.pk not in admitted
    services.admissions_apply(actor=office(scene), year=year())
    assert Student.objects.filter(pk__in=admitted, school=junior, status=StudentStatus.ENROLLED).count() == 2
    again = catchment.catchment_preview(actor=office(scene), stage="2", year=year())
    assert again["admitted"] == 0  # admitted pupils are not candidates again, the plan is full


def test_the_most_specific_area_decides(scene, junior):
    other = scene.schools["tunxi_middle"]  # one junior school in the world: the more specific area names it too
    catchment.catchment_set(actor=office(scene), school=other, stage="2", area="黄山市屯溪区新安北路")
    _primary_graduate(scene, 1, "黄山市屯溪区新安北路8号")
    assert catchment.catchment_preview(actor=office(scene), stage="2", year=year())["admitted"] == 1


def test_pre_school_records_go_to_their_primary_catchment(scene):
    primary = scene.schools["tunxi_primary"]
    SchoolClass.objects.create(school=primary, stage="1", cohort_year=year(), number=5)
    services.plan_set(actor=office(scene), school=primary, stage="1", year=year(), quota=10)
    catchment.catchment_set(actor=office(scene), school=primary, stage="1", area="黄山市屯溪区")
    birth = dt.date(year() - 6, 3, 3)
    PreschoolRecord.objects.create(province_code="340000", id_number=idnumbers.make("341002", birth, 11),
                                   name="幼儿", sex="1", birth_date=birth, data={"address": "黄山市屯溪区滨江路2号"})
    assert catchment.catchment_run(actor=office(scene), stage="1", year=year())["admitted"] == 1
    services.admissions_apply(actor=office(scene), year=year())
    new = Student.objects.get(id_number=idnumbers.make("341002", birth, 11))
    assert (new.school_id, new.reg_status) == (primary.pk, "draft")  # registered by the school (小学新生注册)


def test_an_office_sets_catchments_for_its_own_schools_and_compulsory_stages_only(scene):
    with pytest.raises(NotFound):
        catchment.catchment_set(actor=office(scene, "shexian"), school=scene.schools["tunxi_middle"], stage="2",
                                area="黄山市屯溪区")
    with pytest.raises(ValidationFailed):
        catchment.catchment_set(actor=office(scene), school=scene.schools["tunxi_senior"], stage="3",
                                area="黄山市屯溪区")
