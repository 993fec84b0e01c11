"""The one restricted queryset: one path or several (through to-many relations, without repeating rows),
a capability checked first, nothing for users of an inactive unit, and a 404 decided in one place."""

import pytest

from xueji.accounts.jurisdiction import access, restrict
from xueji.accounts.permissions import Cap
from xueji.core import clock
from xueji.core.errors import Forbidden, NotFound
from xueji.problems.models import Problem, ProblemMember
from xueji.regions.models import OrgUnit
from xueji.registry.models import Student


def test_a_single_path_restricts_to_the_users_subtree(world):
    seen = set(restrict(Student, world.user("tunxi", "registrar")).values_list("school__org_unit__code", flat=True))
    assert seen == {"3410021001", "3410021002"}
    assert not restrict(Student, world.user("jiangsu", "registrar")).filter(school__county__code="341002").exists()


def test_a_to_many_path_is_an_exists_so_rows_never_repeat(world):
    problem = Problem.objects.create(kind="duplicate_id", province_code="340000", key="k", created_at=clock.now(),
                                     updated_at=clock.now())
    for school in ("tunxi_primary", "tunxi_middle", "shexian_primary"):
        student = world.students[school]
        ProblemMember.objects.create(problem=problem, student=student, student_name=student.name,
                                     school_org=world.units[school], county_org=student.school.county)
    assert list(restrict(Problem, world.user("huangshan", "registrar"))) == [problem]  # three members, one row
    assert list(restrict(Problem, world.user("shexian", "registrar"))) == [problem]
    assert not restrict(Problem, world.user("yaohai", "registrar")).exists()


def test_a_missing_capability_is_refused_before_anything_is_read(world):
    with pytest.raises(Forbidden):
        restrict(Student, world.user("tunxi", "sysadmin"), Cap.PROBLEM_VIEW)


def test_users_of_an_inactive_unit_see_nothing(world):
    user = world.user("tunxi", "registrar")
    OrgUnit.objects.filter(pk=user.org_unit_id).update(is_active=False)
    user.org_unit.refresh_from_db()
    assert not restrict(Student, user).exists()


def test_access_answers_404_outside_the_jurisdiction_and_for_the_absent(world):
    student = world.students["tunxi_primary"]
    assert access(Student, world.user("tunxi", "registrar"), pk=student.pk) == student
    for pk in (student.pk, 10**9, "x"):
        with pytest.raises(NotFound):
            access(Student, world.user("shexian", "registrar"), pk=pk)
