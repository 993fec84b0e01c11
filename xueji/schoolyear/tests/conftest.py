"""The scene of the school year's turn: the test world with the business window of graduation open, and in
tunxi_primary a final-grade class (六年级) of three pupils and a first-grade class of one, beside the world's
second-grade pupil."""

import datetime as dt

import pytest

from xueji.core import clock, idnumbers
from xueji.policy.models import BusinessWindow
from xueji.registry import counts
from xueji.registry.models import RegStatus, Student
from xueji.schools.models import SchoolClass
from xueji.schools.selectors import current_school_year_start


def open_graduation_window(provinces=("340000", "320000"), *, kind="graduation.graduation") -> None:
    today = clock.today()
    for province in provinces:
        BusinessWindow.objects.get_or_create(province_code=province, kind=kind,
                                             start_date=today - dt.timedelta(days=30),
                                             end_date=today + dt.timedelta(days=30))


def add_pupil(world, klass: SchoolClass, n: int, *, id_number: str | None = None) -> Student:
    school = klass.school
    birth = dt.date(2013, 1, 1 + n % 28)
    return Student.objects.create(
        school=school, school_class=klass, province_code=school.county.code[:2] + "0000", name=f"毕业生{n}",
        sex="1", birth_date=birth, reg_status=RegStatus.REGISTERED,
        id_number=id_number or idnumbers.make(school.county.code, birth, 101 + 2 * n))


@pytest.fixture
def scene(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.VAR_DIR = tmp_path
    open_graduation_window()
    school = world.schools["tunxi_primary"]
    start = current_school_year_start()
    world.classes["grade6"] = SchoolClass.objects.create(school=school, stage="1", cohort_year=start - 5, number=1)
    world.classes["grade1"] = SchoolClass.objects.create(school=school, stage="1", cohort_year=start, number=1)
    world.graduating = [add_pupil(world, world.classes["grade6"], n) for n in range(3)]
    world.students["grade1"] = add_pupil(world, world.classes["grade1"], 10)
    counts.rebuild()
    return world
