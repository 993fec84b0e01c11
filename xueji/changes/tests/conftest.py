"""The scene of the changes tests: the test world, the business windows of record and status changes open, and
classes around the pupil's (grade 1, another class of grade 2, grade 3) in tunxi_primary."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xueji.core import clock
from xueji.policy.models import BusinessWindow
from xueji.schools.models import SchoolClass
from xueji.schools.selectors import current_school_year_start

KINDS_OF_WINDOW = ("changes.record", "changes.status")


def open_change_windows(provinces=("340000", "320000")) -> None:
    today = clock.today()
    for province in provinces:
        for kind in KINDS_OF_WINDOW:
            BusinessWindow.objects.get_or_create(province_code=province, kind=kind,
                                                 start_date=today - dt.timedelta(days=30),
                                                 end_date=today + dt.timedelta(days=30))


@pytest.fixture
def scene(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    open_change_windows()
    add_classes(world)
    add_senior_school(world)
    return world


def add_classes(world) -> None:
    """Around the pupil of tunxi_primary (grade 2, class 1): grade 1, another class of grade 2, grade 3."""
    school = world.schools["tunxi_primary"]
    start = current_school_year_start()
    world.classes["grade1"] = SchoolClass.objects.create(school=school, stage="1", cohort_year=start, number=1)
    world.classes["grade2b"] = SchoolClass.objects.create(school=school, stage="1", cohort_year=start - 1, number=2)
    world.classes["grade3"] = SchoolClass.objects.create(school=school, stage="1", cohort_year=start - 2, number=1)


def add_senior_school(world) -> None:
    """A senior secondary school of tunxi (退学 and 开除学籍 are allowed there by default), with a pupil and users."""
    from xueji.accounts.models import RoleAssignment, User
    from xueji.core import idnumbers
    from xueji.regions.models import OrgKind
    from xueji.regions.services import org_unit_create
    from xueji.registry.models import Student
    from xueji.schools.models import School

    county = world.units["tunxi"]
    unit = org_unit_create(actor=None, kind=OrgKind.SCHOOL, name="tunxi_senior", code="3410021003", parent=county,
                           audit=False)
    school = School.objects.create(org_unit=unit, code="3410021003", name="tunxi_senior", county=county,
                                   running_type="342", stages="3")
    klass = SchoolClass.objects.create(school=school, stage="3", cohort_year=current_school_year_start() - 1,
                                       number=1)
    birth = dt.date(2009, 5, 6)
    world.units["tunxi_senior"], world.schools["tunxi_senior"], world.classes["tunxi_senior"] = unit, school, klass
    world.students["tunxi_senior"] = Student.objects.create(
        school=school, school_class=klass, province_code="340000", name="高中生", name_pinyin="gaozhongsheng",
        sex="2", birth_date=birth, id_number=idnumbers.make("341002", birth, 124))
    for role in ("registrar", "leader"):
        user = User(username=f"tunxi_senior_{role}", full_name=f"tunxi_senior {role}", org_unit=unit,
                    password_changed_at=clock.now())
        user.set_password("Xueji@2026test")
        user.save()
        RoleAssignment.objects.create(user=user, role=role)
        world.users[("tunxi_senior", role)] = user


def pdf(name: str = "proof.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 proof of the change", content_type="application/pdf")


def png(name: str = "proof.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\nrest of it", content_type="image/png")

