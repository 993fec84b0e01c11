"""The demo's second province (浙江省 > 杭州市 > 淳安县), made after the first so that a cross-province transfer can
be tried: real region codes, schools of every stage, its own windows, caps and accounts at every level."""

import csv

import pytest
from django.core.management import call_command

from xueji.accounts.models import ROLES_BY_KIND, RoleAssignment, User
from xueji.core import idnumbers
from xueji.core.tests.test_codes import reference_dir
from xueji.demo import generator as demo
from xueji.demo.management.commands.demo_data import accounts_table
from xueji.policy.models import BusinessWindow, ClassCap
from xueji.regions.models import OrgKind, OrgUnit, Region
from xueji.registry.models import Student
from xueji.schools.models import School, SchoolClass, SchoolYear

SMALL = demo.DemoOptions(counties=1, schools=3, pupils=120, seed=5, second_province=True)


@pytest.fixture
def both(db):
    return demo.generate(SMALL)


def test_the_second_province_has_real_regions_schools_of_every_stage_and_its_pupils(both):
    zhejiang = dict(Region.objects.filter(code__startswith="33").values_list("code", "name"))
    assert zhejiang == {"330000": "浙江省", "330100": "杭州市", "330127": "淳安县"}
    assert OrgUnit.objects.get(code="330127").name == "淳安县教育局"
    assert OrgUnit.objects.get(code="330000").parent == OrgUnit.objects.get(kind=OrgKind.MINISTRY)  # one ministry
    schools = list(School.objects.filter(county__code="330127"))
    assert len(schools) == 4 and {stage for s in schools for stage in s.stages} == {"1", "2", "3"}
    assert {s.running_type for s in schools} >= {"211", "311"}  # a primary and a junior secondary school at least
    assert all(s.code.startswith("330127") and s.name.startswith("淳安县") and s.phone.startswith("0571-")
               for s in schools)
    pupils = Student.objects.filter(school__county__code="330127")
    assert pupils.count() == 500 == both.counts["pupils"] - 120
    assert set(pupils.values_list("province_code", flat=True)) == {"330000"}
    assert all(idnumbers.parse(n).area == "330127" for n in pupils.values_list("id_number", flat=True))
    assert pupils.filter(national_number__startswith="G").count() > 450  # most can be named across the border
    assert SchoolClass.objects.filter(school__county__code="330127").count() >= 21  # every grade of four schools
    assert SchoolYear.objects.filter(is_current=True).count() == 1  # shared, made once


def test_each_province_has_its_own_windows_caps_and_accounts(both):
    for province in ("340000", "330000"):
        assert BusinessWindow.objects.filter(province_code=province).count() > 0
        assert set(ClassCap.objects.filter(org_unit__code=province).values_list("stage", "cap")) == {
            ("1", 55), ("2", 55), ("3", 55)}
    expected = {"zhejiang": "330000", "hangzhou": "330100", "chunan": "330127"}
    for prefix, code in expected.items():
        unit = OrgUnit.objects.get(code=code)
        for role in ROLES_BY_KIND[OrgKind(unit.kind)]:
            user = User.objects.get(username=f"{prefix}_{role}")
            assert user.org_unit == unit and user.check_password(demo.DEMO_PASSWORD)
    for prefix in ("zj_school", "zj_middle"):
        user = User.objects.get(username=f"{prefix}_registrar")
        assert user.org_unit.code.startswith("330127") and user.org_unit.kind == OrgKind.SCHOOL
        assert set(RoleAssignment.objects.filter(user__org_unit=user.org_unit).values_list("role", flat=True)) == \
            set(ROLES_BY_KIND[OrgKind.SCHOOL])
    assert School.objects.get(org_unit=User.objects.get(username="zj_school_registrar").org_unit).running_type == "211"
    # The first province keeps its names.
    assert User.objects.get(username="province_registrar").org_unit.code == "340000"
    assert User.objects.get(username="school_registrar").org_unit.code.startswith("341002")


def test_the_accounts_are_listed_province_by_province(both):
    names = [a.username for a in both.accounts]
    assert names.index("province_registrar") < names.index("school_registrar") < names.index("zhejiang_registrar") \
        < names.index("hangzhou_registrar") < names.index("chunan_registrar") < names.index("zj_school_registrar")
    assert "浙江省教育厅" in accounts_table(both.accounts)


def test_the_command_makes_it_by_default_and_not_when_asked(db, capsys):
    call_command("demo_data", counties=1, schools=3, pupils=60, no_color=True)
    out = capsys.readouterr().out
    assert "zhejiang_sysadmin" in out and "zj_school_registrar" in out and "淳安县" in out
    call_command("demo_data", counties=1, schools=3, pupils=60, reset=True, second_province=False)
    assert not Region.objects.filter(code="330000").exists()
    assert not User.objects.filter(username="zhejiang_leader").exists()


def test_its_regions_are_the_official_ones():
    """The demo file's codes and names as in the GB/T 2260 list (2024) of ../shared/data."""
    with (reference_dir() / "admin_divisions_gbt2260_2024.csv").open(encoding="utf-8") as fh:
        official = {row["code"]: row["name"] for row in csv.DictReader(fh)}
    for path in demo.DEMO_REGION_FILES.values():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                code, name = line.split()
                assert official.get(code) == name, (path.name, code, name)
