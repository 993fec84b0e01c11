"""The scene of the admission tests: two senior schools (屯溪区 and 歙县) with their entering classes (this year's
cohort, two classes each), junior-school graduates of 屯溪区 with records, and admission-results files as CSV."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from xueji.accounts.models import RoleAssignment, User
from xueji.admissions import importing, services
from xueji.admissions.models import Admission, AdmissionBatch, AdmissionPlan, Catchment, Entry
from xueji.core import clock, idnumbers
from xueji.regions.models import OrgKind
from xueji.regions.services import org_unit_create
from xueji.registry import counts
from xueji.registry.choices import StudentStatus
from xueji.registry.models import Student, StudentHistory
from xueji.schools.models import School, SchoolClass
from xueji.schools.selectors import current_school_year_start
from xueji.testing.world import PASSWORD

HEADER = "身份证件号,姓名,性别,出生日期,学籍号,录取学校代码,学段,班级"
SENIORS = {"tunxi_senior": ("tunxi", "3410021003"), "shexian_senior": ("shexian", "3410211003")}


def year() -> int:
    return current_school_year_start()


def add_senior(world, name: str) -> School:
    county, code = SENIORS[name]
    unit = org_unit_create(actor=None, kind=OrgKind.SCHOOL, name=name, code=code, parent=world.units[county],
                           audit=False)
    school = School.objects.create(org_unit=unit, code=code, name=name, county=world.units[county],
                                   running_type="342", stages="3")
    for number in (1, 2):
        SchoolClass.objects.create(school=school, stage="3", cohort_year=year(), number=number)
    world.units[name], world.schools[name] = unit, school
    for role in ("registrar", "leader"):
        user = User(username=f"{name}_{role}", full_name=f"{name} {role}", org_unit=unit,
                    password_changed_at=clock.now())
        user.set_password(PASSWORD)
        user.save()
        RoleAssignment.objects.create(user=user, role=role)
        world.users[(name, role)] = user
    return school


def graduate(world, n: int, *, status: str = StudentStatus.GRADUATED, school: str = "tunxi_middle") -> Student:
    """A pupil of the junior school (graduated by default) with a record and an ID number of 屯溪区."""
    birth = dt.date(2011, 1 + n % 12, 1 + n % 28)
    klass = SchoolClass.objects.get_or_create(school=world.schools[school], stage="2", cohort_year=year() - 3,
                                              number=9)[0]
    student = Student.objects.create(
        school=world.schools[school], school_class=klass, province_code="340000", name=f"毕业{n}",
        name_pinyin=f"biye{n}", sex="1", birth_date=birth, id_number=idnumbers.make("341002", birth, 2 * n + 1),
        status=status)
    counts.rebuild()
    return student


def newcomer_id(n: int) -> tuple[str, dt.date]:
    """An ID number of a pupil with no record in the province (from 合肥 by its area code)."""
    birth = dt.date(2011, 2, 1 + n % 28)
    return idnumbers.make("340102", birth, 2 * (n % 440) + 101), birth


def row(student_or_id, school: str, *, name: str | None = None, sex: str = "男", birth: dt.date | None = None,
        stage: str = "高中", klass: str = "", number: str = "") -> str:
    if isinstance(student_or_id, Student):
        s = student_or_id
        return ",".join([s.id_number, name or s.name, sex, f"{birth or s.birth_date:%Y-%m-%d}", number,
                         SENIORS.get(school, (None, school))[1], stage, klass])
    id_number, born = student_or_id
    return ",".join([id_number, name or "新生", sex, f"{birth or born:%Y-%m-%d}", number,
                     SENIORS.get(school, (None, school))[1], stage, klass])


def csv_file(*rows: str, name: str = "录取.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([HEADER, *rows]) + "\n").encode("utf-8"), content_type="text/csv")


def office(world, unit: str = "tunxi"):
    return world.user(unit, "admissions")


def plan(world, school: str, quota: int, *, unit: str | None = None) -> AdmissionPlan:
    county = SENIORS[school][0]
    return services.plan_set(actor=office(world, unit or county), school=world.schools[school], stage="3",
                             year=year(), quota=quota)


def upload(world, *rows: str, unit: str = "tunxi", name: str = "录取.csv"):
    return importing.results_import(actor=office(world, unit), upload=csv_file(*rows, name=name), year=year())


def state() -> tuple:
    """What a refused import must leave as it was: admissions, plans, pupils and their history."""
    return (list(Admission.objects.order_by("pk").values_list("pk", "status", "school_id")),
            list(AdmissionPlan.objects.order_by("pk").values_list("pk", "quota")),
            list(Student.objects.order_by("pk").values_list("pk", "school_id", "school_class_id", "status")),
            StudentHistory.objects.count())


# The jurisdiction matrix's admission objects (xueji/ui/tests/test_matrix.py) ---------------------------------

def matrix_admissions(world) -> None:
    """The admission window open, a senior school of 屯溪区 with its plan, one plan change filed by it (waiting for
    the county's office), one admission imported by the county's office (not yet in effect), and a catchment of the
    county's junior school."""
    from xueji.policy.models import BusinessWindow

    today = clock.today()
    for province in ("340000", "320000"):
        BusinessWindow.objects.get_or_create(province_code=province, kind="admissions.admission",
                                             start_date=today - dt.timedelta(days=5),
                                             end_date=today + dt.timedelta(days=5))
    add_senior(world, "tunxi_senior")
    plan(world, "tunxi_senior", 10)
    services.plan_change_file(actor=world.user("tunxi_senior", "registrar"), stage="3", year=year(), quota=12,
                              reason="扩招")
    pupil = graduate(world, 1)
    upload(world, row(pupil, "tunxi_senior"))
    from xueji.admissions.catchment import catchment_set

    catchment_set(actor=office(world), school=world.schools["tunxi_middle"], stage="2", area="黄山市屯溪区")


def matrix_objects(kind: str):
    from xueji.workflow.models import Request

    if kind == "plan_change":
        return [(r.filer_org, r) for r in Request.objects.filter(type="admissions.plan_change")
                .select_related("filer_org").order_by("pk")]
    if kind == "catchment":
        return [(c.school.org_unit, c) for c in Catchment.objects.select_related("school__org_unit").order_by("pk")]
    if kind == "entry":
        return [(e.school.org_unit, e) for e in Entry.objects.select_related("school__org_unit").order_by("pk")]
    if kind == "admission_batch":
        return [(b.org_unit, b) for b in AdmissionBatch.objects.select_related("org_unit").order_by("pk")]
    return [(a.school.org_unit, a) for a in Admission.objects.select_related("school__org_unit").order_by("pk")]


def matrix_entry_filing(user, seq: int) -> dict:
    """An entry after graduation filed by identity (no national number: no question to the other province) into a
    class of the user's school, a new ID number each time (the fields a page or the API posts)."""
    birth = dt.date(2013, 1 + seq % 12, 1 + seq % 28)
    klass = SchoolClass.objects.filter(school__org_unit_id=getattr(user, "org_unit_id", None), is_active=True).order_by(
        "pk").first()
    return {"province": "320000", "school_class": klass.pk if klass else 0, "name": f"矩阵入学{seq}", "sex": "1",
            "birth_date": birth.isoformat(), "id_number": idnumbers.make("320102", birth, 2 * (seq % 340) + 301)}


def matrix_entries(world) -> None:
    """Two entries after graduation, filed by identity and waiting for their county: one of tunxi_primary (seen by
    屯溪区 and above), one of shexian_primary (seen by 黄山市 and above, not by 屯溪区). Made after every other
    request of the scene."""
    from xueji.admissions.entry import entry_file

    for n, school in enumerate(("tunxi_primary", "shexian_primary")):
        user = world.user(school, "registrar")
        values = matrix_entry_filing(user, 900 + n)
        values["birth_date"] = dt.date.fromisoformat(values["birth_date"])
        entry_file(actor=user, **values)
