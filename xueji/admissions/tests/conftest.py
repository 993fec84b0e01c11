import pytest

from xueji.admissions.tests.entry_helpers import NUMBER
from xueji.admissions.tests.helpers import add_senior
from xueji.registry import counts
from xueji.registry.models import RegStatus, Student
from xueji.schools.models import SchoolClass
from xueji.schools.selectors import current_school_year_start
from xueji.schoolyear.services import graduation_graduate
from xueji.testing.world import open_windows


@pytest.fixture
def scene(world):
    """The test world with every business window open and two senior schools (屯溪区, 歙县) with entering classes."""
    open_windows()
    add_senior(world, "tunxi_senior")
    add_senior(world, "shexian_senior")
    return world


@pytest.fixture
def entry_scene(world):
    """The windows open; A's pupil in the final grade of xuanwu_primary with a national number, graduated there;
    an entering class of the junior stage at tunxi_middle."""
    open_windows()
    start = current_school_year_start()
    final = SchoolClass.objects.create(school=world.schools["xuanwu_primary"], stage="1", cohort_year=start - 5,
                                       number=6)
    pupil = world.students["xuanwu_primary"]
    Student.objects.filter(pk=pupil.pk).update(national_number=NUMBER, school_class=final,
                                               reg_status=RegStatus.REGISTERED)
    counts.rebuild()
    graduation_graduate(actor=world.user("xuanwu_primary", "registrar"), school=world.schools["xuanwu_primary"],
                        student_ids=[pupil.pk])
    world.classes["entering"] = SchoolClass.objects.create(school=world.schools["tunxi_middle"], stage="2",
                                                           cohort_year=start, number=1)
    return world
