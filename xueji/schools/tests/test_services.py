"""Schools, classes and school years: the rules an authority or school meets when it sets them up."""

import pytest

from xueji.audit.models import AuditEvent
from xueji.core.errors import Forbidden, NotFound, ValidationFailed
from xueji.schools import services
from xueji.schools.models import School, SchoolClass, SchoolYear
from xueji.schools.selectors import current_school_year_start


def _school(world, actor=("tunxi", "registrar"), county="tunxi", **values):
    data = {"code": "3410021099", "name": "新安小学", "running_type": "211", **values}
    return services.school_create(actor=world.user(*actor), county=world.units[county], **data)


@pytest.mark.parametrize("code", ["341002109", "34100210999", "34100210AB", ""])
def test_a_school_code_has_ten_digits(world, code):
    with pytest.raises(ValidationFailed) as exc:
        _school(world, code=code)

    assert (exc.value.code, exc.value.field) == ("invalid_school_code", "code")
    assert not School.objects.filter(name="新安小学").exists()


def test_the_running_type_must_be_a_known_code(world):
    with pytest.raises(ValidationFailed) as exc:
        _school(world, running_type="999")

    assert exc.value.code == "unknown_code"


@pytest.mark.parametrize(("running_type", "stages"), [("211", "1"), ("311", "2"), ("312", "12"), ("341", "23"),
                                                       ("342", "3"), ("345", "123"), ("512", "12")])
def test_stages_follow_from_the_running_type(world, running_type, stages):
    assert _school(world, running_type=running_type).stages == stages


def test_a_school_may_teach_fewer_stages_than_its_type_allows(world):
    assert _school(world, running_type="345", stages="21").stages == "12"


def test_a_school_cannot_teach_a_stage_its_type_does_not(world):
    with pytest.raises(ValidationFailed) as exc:
        _school(world, running_type="211", stages="3")  # a 小学 teaching 高中

    assert (exc.value.code, exc.value.field) == ("stages_not_in_running_type", "stages")


def test_school_codes_are_unique(world):
    with pytest.raises(ValidationFailed) as exc:
        _school(world, code=world.schools["tunxi_primary"].code)

    assert exc.value.code == "code_taken"


def test_a_school_is_opened_under_a_county_of_the_jurisdiction(world):
    school = _school(world, actor=("huangshan", "registrar"), county="shexian")

    assert school.org_unit.parent == world.units["shexian"]
    assert school.org_unit.path.startswith(world.units["shexian"].path)
    assert world.units["huangshan"].contains(school.org_unit)
    event = AuditEvent.objects.get(action="school.create")
    assert event.after["code"] == "3410021099" and event.after["stages"] == "1"


def test_a_county_outside_the_jurisdiction_answers_not_found(world):
    with pytest.raises(NotFound):
        _school(world, county="shexian")

    assert not School.objects.filter(code="3410021099").exists()


def test_a_school_sits_under_a_county_not_a_city(world):
    with pytest.raises(ValidationFailed) as exc:
        _school(world, actor=("huangshan", "registrar"), county="huangshan")

    assert exc.value.code == "invalid_county"


@pytest.mark.parametrize("actor", [("tunxi_primary", "registrar"), ("tunxi", "leader"), ("tunxi", "sysadmin")])
def test_only_authority_registrars_open_schools(world, actor):
    with pytest.raises(Forbidden):
        _school(world, actor=actor)


def test_a_changed_running_type_must_fit_the_stages(world):
    school = world.schools["tunxi_middle"]  # 311, junior only
    actor = world.user("tunxi", "registrar")

    with pytest.raises(ValidationFailed):
        services.school_update(actor=actor, school=school, running_type="211")
    school.refresh_from_db()
    assert school.running_type == "311"
    updated = services.school_update(actor=actor, school=school, running_type="312", stages="12", name="屯溪一贯制")

    assert (updated.running_type, updated.stages, updated.org_unit.name) == ("312", "12", "屯溪一贯制")
    event = AuditEvent.objects.get(action="school.update")
    assert event.before == {"running_type": "311", "stages": "2", "name": "tunxi_middle"}
    assert event.after == {"running_type": "312", "stages": "12", "name": "屯溪一贯制"}


# Classes ------------------------------------------------------------------------------------------


def _class(world, school="tunxi_primary", actor=None, **values):
    data = {"stage": "1", "cohort_year": 2024, "number": 2, **values}
    return services.class_create(actor=actor or world.user(school, "registrar"), school=world.schools[school], **data)


def test_a_school_registrar_opens_a_class(world):
    klass = _class(world)

    assert klass.display_name == "2024级2班"
    assert AuditEvent.objects.filter(action="class.create", object_id=str(klass.pk)).exists()


def test_a_class_must_be_of_a_stage_the_school_teaches(world):
    with pytest.raises(ValidationFailed) as exc:
        _class(world, stage="2")  # a primary school has no junior classes

    assert (exc.value.code, exc.value.field) == ("stage_not_taught", "stage")


def test_a_class_exists_once(world):
    _class(world)

    with pytest.raises(ValidationFailed) as exc:
        _class(world)

    assert exc.value.code == "class_exists"
    assert SchoolClass.objects.filter(school=world.schools["tunxi_primary"], cohort_year=2024, number=2).count() == 1


def test_a_registrar_opens_classes_only_in_its_jurisdiction(world):
    with pytest.raises(NotFound):
        _class(world, school="tunxi_middle", actor=world.user("tunxi_primary", "registrar"), stage="2")

    assert _class(world, school="tunxi_middle", actor=world.user("tunxi", "registrar"), stage="2").pk


def test_leaders_do_not_open_classes(world):
    with pytest.raises(Forbidden):
        _class(world, actor=world.user("tunxi_primary", "leader"))


def test_a_class_keeps_its_identity_on_update(world):
    klass = world.classes["tunxi_primary"]

    services.class_update(actor=world.user("tunxi_primary", "registrar"), school_class=klass, head_teacher="赵老师")

    event = AuditEvent.objects.get(action="class.update")
    assert (event.before, event.after) == ({"head_teacher": "王老师"}, {"head_teacher": "赵老师"})


# School years and grades ------------------------------------------------------------------------


def test_the_grade_of_a_class_follows_from_its_cohort_and_the_current_year(world):
    start = current_school_year_start()
    klass = world.classes["tunxi_primary"]  # primary, cohort start - 1: second year now
    assert klass.grade_code(start) == "12"

    next_year = services.school_year_create(actor=world.user("anhui", "registrar"), start_year=start + 1,
                                            make_current=True)

    assert current_school_year_start() == start + 1
    assert klass.grade_code(current_school_year_start()) == "13"
    assert list(SchoolYear.objects.filter(is_current=True)) == [next_year]
    assert klass.grade_code(start + 5) is None  # graduated from primary: left the stage


def test_only_one_year_is_current(world):
    start = current_school_year_start()
    actor = world.user("anhui", "registrar")
    first = services.school_year_create(actor=actor, start_year=start + 1)
    second = services.school_year_create(actor=actor, start_year=start + 2)

    services.school_year_set_current(actor=actor, school_year=first)
    services.school_year_set_current(actor=actor, school_year=second)

    assert list(SchoolYear.objects.filter(is_current=True)) == [second]


def test_a_school_year_exists_once(world):
    with pytest.raises(ValidationFailed) as exc:
        services.school_year_create(actor=world.user("anhui", "registrar"), start_year=current_school_year_start())

    assert exc.value.code == "exists"


@pytest.mark.parametrize("actor", [("tunxi", "registrar"), ("huangshan", "registrar"), ("anhui", "sysadmin")])
def test_the_calendar_is_set_by_the_province(world, actor):
    with pytest.raises(Forbidden):
        services.school_year_create(actor=world.user(*actor), start_year=current_school_year_start() + 1)
