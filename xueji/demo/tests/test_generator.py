"""The demo-data generator: a tiny province, checked row by row (runs on SQLite and on PostgreSQL's COPY path)."""

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xueji.accounts.models import ROLES_BY_KIND, RoleAssignment, User
from xueji.audit.models import AuditEvent
from xueji.core import codes, idnumbers
from xueji.core.errors import ValidationFailed
from xueji.demo import generator as demo
from xueji.regions.models import OrgKind, OrgUnit, Region
from xueji.registry.models import FamilyMember, NationalNumber, NumberSequence, Student, StudentDetail
from xueji.registry.validation import name_pinyin
from xueji.schools.models import School, SchoolClass, SchoolYear

TINY = demo.DemoOptions(counties=2, schools=6, pupils=300, seed=7, batch_size=120)


@pytest.fixture
def tiny(db):
    return demo.generate(TINY)


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def test_tiny_province_has_the_real_regions_and_every_stage(tiny):
    assert tiny.counts["pupils"] == 300
    assert set(Region.objects.values_list("code", flat=True)) == {"340000", "341000", "341002", "341003"}
    assert OrgUnit.objects.get(code="341002").name == "屯溪区教育局"
    schools = list(School.objects.select_related("county"))
    assert len(schools) == 6
    assert {stage for school in schools for stage in school.stages} == {"1", "2", "3"}
    for school in schools:
        assert school.code.isdigit() and len(school.code) == 10
        assert school.code[:6] == school.county.code
        assert school.name.startswith(Region.objects.get(code=school.county.code).name)
        assert school.org_unit.parent_id == school.county_id
        assert school.org_unit.path == f"{school.county.path}{school.org_unit_id}/"
    current = SchoolYear.objects.get(is_current=True)
    assert current.start_date == dt.date(current.start_year, 9, 1)


def test_every_id_number_is_valid_unique_and_matches_birth_date_sex_and_county(tiny):
    students = list(Student.objects.select_related("school__county"))
    assert len(students) == 300
    assert len({s.id_number for s in students}) == 300
    for student in students:
        parsed = idnumbers.parse(student.id_number)
        assert parsed.birth_date == student.birth_date
        assert parsed.sex == student.sex
        assert parsed.area == student.school.county.code
        assert student.province_code == "340000"
        assert student.status == "01"
        if student.national_number:
            assert student.national_number in (f"G{student.id_number}",) or student.national_number.startswith("L")
    numbered = [s for s in students if s.national_number]
    assert sum(s.national_number.startswith("G") for s in numbered) >= 0.9 * len(students)
    assert NationalNumber.objects.count() == len(numbered)
    assert StudentDetail.objects.count() == 300
    for sequence in NumberSequence.objects.all():  # the registry continues L numbers after the demo's
        issued = sum(s.national_number.startswith(sequence.key) for s in Student.objects.filter(
            national_number__startswith="L"))  # sealed: the kind letter is the one beginning the database compares
        assert issued == sequence.last


def test_grades_follow_age_and_classes_have_sensible_sizes(tiny):
    start = SchoolYear.objects.get(is_current=True).start_year
    classes = list(SchoolClass.objects.select_related("school"))
    for klass in classes:
        assert klass.stage in klass.school.stages
        assert klass.grade_code(start) is not None  # every class is in a grade this year
        assert klass.head_teacher and len(klass.head_teacher) >= 2
    # Every school has a class in every grade it teaches.
    for school in School.objects.all():
        grades = {(c.stage, c.year_in_stage(start)) for c in classes if c.school_id == school.pk}
        assert grades == set(demo.grades_taught(school.running_type, school.stages))
    sizes = Counter(Student.objects.values_list("school_class_id", flat=True))
    assert set(sizes) == {c.pk for c in classes}  # no empty class, no pupil without a class
    assert max(sizes.values()) <= demo.MAX_CLASS_SIZE
    for student in Student.objects.select_related("school_class"):
        klass = student.school_class
        grade = demo.overall_grade(klass.stage, klass.year_in_stage(start))
        entered_grade_1 = start - grade + 1
        assert _age_on(student.birth_date, dt.date(entered_grade_1, 8, 31)) == 6
        assert student.entry_date == dt.date(klass.cohort_year, 9, 1)


def test_class_sizes_at_demo_scale_are_those_of_chinese_schools():
    """Ordinary schools fill classes to 40-50 (never above 55); only small village schools, teaching points
    and special schools have small classes."""
    generator = demo.DemoGenerator(demo.DemoOptions())
    generator.plan_regions()
    generator.plan_schools()
    generator.plan_classes()
    sizes = [c.size for s in generator.schools for c in s.classes]
    assert sum(sizes) == 20_000
    assert len(generator.schools) == 60
    assert {s.running_type for s in generator.schools} >= {"211", "218", "311", "312", "341", "342", "345", "513"}
    assert max(sizes) <= 55
    ordinary = [c.size for s in generator.schools if s.running_type not in ("218", "513") for c in s.classes
                if len([k for k in s.classes if (k.stage, k.year_in_stage) == (c.stage, c.year_in_stage)]) > 1]
    assert sorted(ordinary)[len(ordinary) // 2] in range(40, 51)  # median of multi-class grades
    assert min(ordinary) >= 35


def test_guardians_are_a_father_and_a_mother_with_valid_adult_ids_and_phones(tiny):
    family = list(FamilyMember.objects.select_related("student"))
    assert len(family) == 600
    by_student = Counter((m.student_id, m.relation) for m in family)
    assert set(by_student.values()) == {1}
    assert {relation for _id, relation in by_student} == {"51", "52"}
    for member in family:
        parsed = idnumbers.parse(member.id_number)
        assert parsed.sex == ("1" if member.relation == "51" else "2")
        assert 20 <= _age_on(parsed.birth_date, member.student.birth_date) <= 40
        assert member.phone.isdigit() and len(member.phone) == 11 and member.phone[0] == "1"
        assert member.is_guardian
    assert len({m.id_number for m in family} | set(Student.objects.values_list("id_number", flat=True))) == 900


def test_pinyin_reads_surnames_as_surnames(tiny):
    assert name_pinyin("曾小明") == "zengxiaoming"
    for student in Student.objects.all():
        assert student.name_pinyin == name_pinyin(student.name)
        assert student.name_pinyin.isascii() and student.name_pinyin.islower()
    # A 曾 pupil made by the generator itself reads "zeng", not "ceng".
    school = School.objects.first()
    klass = SchoolClass.objects.filter(school=school).first()
    zeng = Student.objects.filter(school_class=klass).first()
    Student.objects.filter(pk=zeng.pk).update(name="曾" + zeng.name[1:])
    assert name_pinyin(Student.objects.get(pk=zeng.pk).name).startswith("zeng")


def test_every_role_has_an_account_at_every_level(tiny):
    for kind in (OrgKind.PROVINCE, OrgKind.CITY, OrgKind.COUNTY, OrgKind.SCHOOL):
        for unit in OrgUnit.objects.filter(kind=kind, users__isnull=False).distinct():
            roles = set(RoleAssignment.objects.filter(user__org_unit=unit).values_list("role", flat=True))
            assert roles == set(ROLES_BY_KIND[kind]), unit
    for county in OrgUnit.objects.filter(kind=OrgKind.COUNTY):
        assert county.users.count() == len(ROLES_BY_KIND[OrgKind.COUNTY])
    assert OrgUnit.objects.filter(kind=OrgKind.SCHOOL, users__isnull=False).distinct().count() >= 2
    school_registrar = User.objects.get(username="school_registrar")
    assert school_registrar.org_unit.name == "屯溪区实验小学"
    for username in ("province_registrar", "city_leader", "tunxi_admissions", "huangshanqu_auditor",
                     "school_leader"):
        user = User.objects.get(username=username)
        assert user.check_password(demo.DEMO_PASSWORD)
        assert not user.must_change_password and user.password_changed_at is not None
    usernames = {a.username for a in tiny.accounts}
    assert {"province_sysadmin", "city_auditor", "tunxi_registrar", "school_registrar"} <= usernames


def test_one_audit_event_per_batch_and_refusal_and_reset(tiny):
    batches = AuditEvent.objects.filter(action="demo.generate", object_type="registry.student")
    assert batches.count() == 3  # 300 pupils in batches of 120
    assert [e.after["students"] for e in batches.order_by("id")] == [120, 120, 60]
    with pytest.raises(ValidationFailed):
        demo.generate(TINY)
    events_before = AuditEvent.objects.count()
    ids_before = set(Student.objects.values_list("id", flat=True))
    numbers_before = sorted(Student.objects.values_list("id_number", "name", "school__code"))
    again = demo.generate(TINY, reset=True)
    assert again.counts == tiny.counts
    assert Student.objects.count() == 300 and School.objects.count() == 6
    assert not ids_before & set(Student.objects.values_list("id", flat=True))  # ids are never reused
    assert AuditEvent.objects.count() > events_before  # the append-only log survives the reset
    assert AuditEvent.objects.filter(action="demo.reset").count() == 1
    # The same seed gives the same pupils.
    assert sorted(Student.objects.values_list("id_number", "name", "school__code")) == numbers_before


def test_more_counties_than_the_demo_are_synthesized_with_plausible_codes(db):
    result = demo.generate(demo.DemoOptions(cities=2, counties=10, schools=12, pupils=400, seed=3))
    counties = list(Region.objects.filter(level="county"))
    assert len(counties) == 10
    real = {"341002", "341003", "341004", "341021", "341022", "341023", "341024"}
    assert {c.code for c in counties} >= {"341002", "341003", "341004", "341021", "341022"}
    for county in counties:
        assert county.code.startswith("34") and len(county.code) == 6
        assert county.parent.level == "prefecture" and county.code[:4] == county.parent_id[:4]
        if county.code not in real:
            assert county.parent_id == "341000" or 71 <= int(county.parent_id[2:4]) <= 89
    assert Region.objects.filter(level="prefecture").count() == 2
    assert result.counts["schools"] == 12 and Student.objects.count() == 400
    assert User.objects.filter(username__startswith="city").values("org_unit").distinct().count() == 2


def test_the_command_prints_the_accounts_and_refuses_a_second_run(db, capsys):
    call_command("demo_data", counties=1, schools=3, pupils=60)
    out = capsys.readouterr().out
    assert "school_registrar" in out and "屯溪区实验小学" in out and demo.DEMO_PASSWORD in out
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo_data", counties=1, schools=3, pupils=60)
    call_command("demo_data", counties=1, schools=3, pupils=60, if_empty=True)
    assert "already holds data" in capsys.readouterr().out
    call_command("demo_data", counties=1, schools=3, pupils=90, reset=True)
    assert Student.objects.count() == 90 + 500  # and the second province's (xueji/demo/tests/test_second_province.py)


def test_validation_of_the_options(db):
    with pytest.raises(ValidationFailed):
        demo.generate(demo.DemoOptions(counties=3, schools=2))
    with pytest.raises(ValidationFailed):
        demo.generate(demo.DemoOptions(counties=1, schools=2, pupils=5))
    with pytest.raises(ValidationFailed):
        demo.generate(demo.DemoOptions(province="999999"))
    assert not Student.objects.exists()


def test_chinese_numbers_in_school_names():
    assert [demo.chinese_number(n) for n in (1, 2, 10, 12, 20, 21, 100, 105, 110)] == [
        "一", "二", "十", "十二", "二十", "二十一", "一百", "一百零五", "一百一十"]
    assert codes.grade_code("1", 1) == "11"


def test_the_load_ends_with_fresh_statistics_of_the_tables_it_filled(db):
    """Issue 14: ANALYZE after the bulk load (PostgreSQL; SQLite plans without statistics)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = demo.generate(TINY)
    analyzed = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    if connection.vendor != "postgresql":
        assert analyzed == []
        return
    assert len(analyzed) == 1 and "analyze" in result.timings
    for table in ("registry_student", "registry_studentdetail", "registry_familymember", "registry_nationalnumber",
                  "schools_schoolclass"):
        assert f'"{table}"' in analyzed[0]
