"""A small world for tests: two provinces, cities, counties, schools, classes and a user for every role
at every level. Used by the fixtures in conftest.py and by the jurisdiction matrix."""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from xueji.accounts.models import ROLES_BY_KIND, Role, RoleAssignment, User
from xueji.core import clock, idnumbers
from xueji.regions.models import OrgKind, OrgUnit, Region
from xueji.regions.services import org_unit_create
from xueji.registry import counts, integrity
from xueji.registry.models import FamilyMember, Student
from xueji.schools import tallies
from xueji.schools.models import School, SchoolClass, SchoolYear

PASSWORD = "Xueji@2026test"


@dataclass
class World:
    units: dict[str, OrgUnit] = field(default_factory=dict)
    schools: dict[str, School] = field(default_factory=dict)
    classes: dict[str, SchoolClass] = field(default_factory=dict)
    students: dict[str, Student] = field(default_factory=dict)
    users: dict[tuple[str, str], User] = field(default_factory=dict)

    def user(self, unit: str, role: str) -> User:
        return self.users[(unit, role)]


# name: (kind, code, parent name, region (code, name, level, parent))
LAYOUT = [
    ("ministry", OrgKind.MINISTRY, "000000", None, None),
    ("anhui", OrgKind.PROVINCE, "340000", "ministry", ("340000", "安徽省", "province", None)),
    ("huangshan", OrgKind.CITY, "341000", "anhui", ("341000", "黄山市", "prefecture", "340000")),
    ("tunxi", OrgKind.COUNTY, "341002", "huangshan", ("341002", "屯溪区", "county", "341000")),
    ("shexian", OrgKind.COUNTY, "341021", "huangshan", ("341021", "歙县", "county", "341000")),
    ("hefei", OrgKind.CITY, "340100", "anhui", ("340100", "合肥市", "prefecture", "340000")),
    ("yaohai", OrgKind.COUNTY, "340102", "hefei", ("340102", "瑶海区", "county", "340100")),
    ("jiangsu", OrgKind.PROVINCE, "320000", "ministry", ("320000", "江苏省", "province", None)),
    ("nanjing", OrgKind.CITY, "320100", "jiangsu", ("320100", "南京市", "prefecture", "320000")),
    ("xuanwu", OrgKind.COUNTY, "320102", "nanjing", ("320102", "玄武区", "county", "320100")),
]
SCHOOLS = [
    # name, county, code, running type
    ("tunxi_primary", "tunxi", "3410021001", "211"),
    ("tunxi_middle", "tunxi", "3410021002", "311"),
    ("shexian_primary", "shexian", "3410211001", "211"),
    ("yaohai_primary", "yaohai", "3401021001", "211"),
    ("xuanwu_primary", "xuanwu", "3201021001", "211"),
]


def build_world(*, with_students: bool = True) -> World:
    world = World()
    for name, kind, code, parent, region in LAYOUT:
        region_obj = None
        if region:
            region_obj, _ = Region.objects.get_or_create(
                code=region[0], defaults={"name": region[1], "level": region[2], "parent_id": region[3]})
        world.units[name] = org_unit_create(actor=None, kind=kind, name=f"{name} authority", code=code,
                                            parent=world.units.get(parent), region=region_obj, audit=False)
    start = SchoolYear.start_year_for(clock.today())
    SchoolYear.objects.get_or_create(start_year=start, defaults={
        "start_date": dt.date(start, 9, 1), "end_date": dt.date(start + 1, 8, 31), "is_current": True})
    from xueji.core.codes import STAGES_BY_RUNNING_TYPE

    for name, county, code, running_type in SCHOOLS:
        unit = org_unit_create(actor=None, kind=OrgKind.SCHOOL, name=name, code=code,
                               parent=world.units[county], audit=False)
        world.units[name] = unit
        school = School.objects.create(org_unit=unit, code=code, name=name, county=world.units[county],
                                       running_type=running_type,
                                       stages="".join(STAGES_BY_RUNNING_TYPE[running_type]))
        world.schools[name] = school
        stage = school.stages[0]
        world.classes[name] = SchoolClass.objects.create(school=school, stage=stage, cohort_year=start - 1, number=1,
                                                         head_teacher="王老师")
    tallies.rebuild()  # the schools and classes made above outside their services
    now = clock.now()
    # Two INSERTs for the ~85 accounts and their roles, not two per account (the world is built for most tests).
    password = make_password(PASSWORD)
    pending = [(name, role, User(username=f"{name}_{role}", full_name=f"{name} {role}", org_unit=unit,
                                 password=password, password_changed_at=now))
               for name, unit in world.units.items() for role in ROLES_BY_KIND[OrgKind(unit.kind)]]
    User.objects.bulk_create([user for _name, _role, user in pending])
    RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=role) for _name, role, user in pending])
    for name, role, user in pending:
        world.users[(name, str(role))] = user
    if with_students:
        for index, (name, school) in enumerate(world.schools.items(), start=1):
            area = school.county.code
            birth = dt.date(2017, 3, index)
            student = Student.objects.create(
                school=school, school_class=world.classes[name], province_code=area[:2] + "0000",
                name=f"学生{index}", name_pinyin=f"xuesheng{index}", sex="1", birth_date=birth,
                id_number=idnumbers.make(area, birth, 11 + 2 * index), national_number=None)
            FamilyMember.objects.create(student=student, relation="51", name=f"家长{index}", phone="13800000000",
                                        id_number=idnumbers.make(area, dt.date(1985, 1, index), 13))
            world.students[name] = student
        counts.rebuild()  # made here, not through the door: the pupil counts recomputed once
        integrity.refresh_all()  # and their record MACs
    return world


def open_windows(provinces: tuple[str, ...] = ("340000", "320000"), *, days: int = 10) -> None:
    """Open every registration business window of these provinces from `days` before today to `days` after."""
    from xueji.policy.models import BusinessWindow
    from xueji.policy.services import WINDOW_KINDS

    today = clock.today()
    for province in provinces:
        for kind in WINDOW_KINDS:
            BusinessWindow.objects.create(province_code=province, kind=kind, start_date=today - dt.timedelta(days=days),
                                          end_date=today + dt.timedelta(days=days))


__all__ = ["PASSWORD", "Role", "World", "build_world", "open_windows"]
