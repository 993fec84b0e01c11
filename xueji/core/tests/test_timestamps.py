"""Created and updated stamps come from the one clock: a test that moves the clock moves them."""

import datetime as dt

from xueji.core import clock
from xueji.schools.models import SchoolClass

MOMENT = dt.datetime(2031, 9, 1, 9, 0, tzinfo=clock.SHANGHAI)


def test_a_new_row_is_stamped_by_the_clock(world):
    school = world.schools["tunxi_primary"]
    with clock.frozen(MOMENT):
        made = SchoolClass.objects.create(school=school, stage=school.stages[0], cohort_year=2031, number=9)
    made.refresh_from_db()
    assert (made.created_at, made.updated_at) == (MOMENT, MOMENT)


def test_a_saved_row_keeps_its_creation_and_takes_the_clocks_update(world):
    school_class = world.classes["tunxi_primary"]
    created = school_class.created_at
    later = MOMENT + dt.timedelta(days=30)
    with clock.frozen(later):
        school_class.head_teacher = "赵老师"
        school_class.save()
    school_class.refresh_from_db()
    assert (school_class.created_at, school_class.updated_at) == (created, later)
