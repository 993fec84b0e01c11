"""Transfers (转学) in the demo: the accounts and schools every distance needs, and a few transfers in flight, so
a same-county, an across-counties and an across-cities transfer can be run end to end with the demo accounts.

The generator's demo accounts all sit in 屯溪区. This adds (idempotently):
- `shexian_school_registrar` / `shexian_school_leader`: a primary school of 歙县 (another county of 黄山市);
- a second city of 安徽省 with its real GB/T 2260 codes, 宣城市 (341800) > 绩溪县 (341824), their education
  authorities (`xuancheng_*`, `jixi_*`: registrar and leader) and 绩溪县实验小学 (`jixi_school_*`) with a class of
  every primary grade, so a pupil of 屯溪区 can move across cities.

And files through the services, like a user would:
- same county: a pupil of the village teaching point (`rural_*`) into 屯溪区实验小学 (`school_*`), waiting for
  `school_leader`, who names the class; and one such transfer completed (the pupil's timeline shows it);
- across counties: a pupil of `school_*` into the 歙县 school, approved by the receiving side, waiting for
  `school_leader` as the sending school;
- across cities: a pupil of `school_*` into 绩溪县实验小学, waiting for `jixi_school_leader`."""

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile

from xueji.accounts.models import RoleAssignment, User
from xueji.core import clock
from xueji.demo.changes import PROOF_PDF
from xueji.demo.generator import DEMO_PASSWORD
from xueji.regions.models import OrgKind, OrgUnit
from xueji.regions.services import authorities_ensure, org_unit_create, regions_import
from xueji.registry.models import RegStatus, Student, StudentStatus
from xueji.schools import tallies
from xueji.schools.models import School, SchoolClass
from xueji.schools.selectors import current_school_year_start
from xueji.transfers import checks, finder, services
from xueji.transfers.models import Transfer
from xueji.workflow.models import Request
from xueji.workflow.services import request_decide

SECOND_CITY = (("341800", "宣城市"), ("341824", "绩溪县"))
SECOND_SCHOOL = ("3418241001", "绩溪县实验小学")


def _certificate() -> SimpleUploadedFile:
    return SimpleUploadedFile("转学证明.pdf", PROOF_PDF, content_type="application/pdf")


def _accounts(prefix: str, unit: OrgUnit, roles=("registrar", "leader")) -> dict[str, User]:
    made = {}
    for role in roles:
        user = User.objects.filter(username=f"{prefix}_{role}").first()
        if user is None:
            user = User.objects.create(username=f"{prefix}_{role}", password=make_password(DEMO_PASSWORD),
                                       full_name=f"{unit.name}{'学籍管理员' if role == 'registrar' else '主管领导'}",
                                       org_unit=unit, password_changed_at=clock.now(), must_change_password=False)
            RoleAssignment.objects.create(user=user, role=role)
        made[role] = user
    return made


def _second_city() -> School:
    """宣城市 > 绩溪县 and its experimental primary school, with a class of every primary grade."""
    regions_import(rows=list(SECOND_CITY))
    authorities_ensure(province_code="340000")
    county = OrgUnit.objects.get(code=SECOND_CITY[1][0])
    school = School.objects.filter(code=SECOND_SCHOOL[0]).first()
    if school is None:
        unit = org_unit_create(actor=None, kind=OrgKind.SCHOOL, name=SECOND_SCHOOL[1], code=SECOND_SCHOOL[0],
                               parent=county, audit=False)
        school = School.objects.create(org_unit=unit, code=SECOND_SCHOOL[0], name=SECOND_SCHOOL[1], county=county,
                                       running_type="211", stages="1")
        start = current_school_year_start()
        classes = SchoolClass.objects.bulk_create([
            SchoolClass(school=school, stage="1", cohort_year=start - year + 1, number=n, head_teacher="汪老师")
            for year in range(1, 7) for n in (1, 2)])
        tallies.add(county_id=county.pk, schools=1, classes=len(classes))  # made here, not by the services
    _accounts("xuancheng", county.parent)
    _accounts("jixi", county)
    _accounts("jixi_school", school.org_unit)
    return school


def _other_county_school(demo_unit: OrgUnit) -> tuple[School, dict[str, User]] | None:
    """A primary school of 歙县 (or of another county than the demo school's), with its accounts."""
    own_county = demo_unit.ancestor_of_kind(OrgKind.COUNTY)
    others = (School.objects.filter(running_type="211", is_active=True).exclude(county=own_county)
              .select_related("org_unit", "county").order_by("code"))
    school = others.filter(county__code="341021").first() or others.first()  # 歙县 when the demo has it
    if school is None:
        return None
    prefix = "shexian_school" if school.county.code == "341021" else f"county{school.county.code}_school"
    return school, _accounts(prefix, school.org_unit)


def _same_county_school(demo_unit: OrgUnit) -> tuple[OrgUnit, User] | None:
    """The sending school of the same-county transfer: the village teaching point (`rural_*`) when it is in the demo
    school's county, else another primary school there, given accounts (`school2_*`)."""
    county = demo_unit.ancestor_of_kind(OrgKind.COUNTY)
    rural = User.objects.filter(username="rural_leader").select_related("org_unit").first()
    if rural is not None and rural.org_unit.ancestor_of_kind(OrgKind.COUNTY) == county:
        return rural.org_unit, rural
    school = (School.objects.filter(county=county, running_type__in=("211", "218"), is_active=True)
              .exclude(org_unit=demo_unit).select_related("org_unit").order_by("code").first())
    if school is None:
        return None
    return school.org_unit, _accounts("school2", school.org_unit)["leader"]


def _pupils(school_unit: OrgUnit, skip: set[int]) -> list[Student]:
    return [s for s in Student.objects.filter(school__org_unit=school_unit, reg_status=RegStatus.REGISTERED,
                                              status=StudentStatus.ENROLLED, school_class__isnull=False)
            .select_related("school__org_unit", "school_class").order_by("-pk")[:40] if s.pk not in skip]


def _file(receiving: User, student: Student) -> Transfer | None:
    if not student.id_number or checks.transfer_refusal(student, checks.receiving_school(receiving)):
        return None  # looked up only when it fits: the finder counts a registrar's lookups per hour
    found = finder.pupil_find(actor=receiving, id_number=student.id_number, rate_limited=False)
    if found is None or found.refusal:
        return None
    return services.transfer_file(actor=receiving, token=found.token, proofs={"certificate": [_certificate()]},
                                  reason="随父母工作调动")


def _first_fit(receiving: User, pupils: list[Student], taken: set[int]) -> Transfer | None:
    """The transfer of the first pupil the receiving school can take (its grade taught, a seat left)."""
    for student in pupils:
        if student.pk in taken:
            continue
        transfer = _file(receiving, student)
        if transfer is not None:
            taken.add(student.pk)
            return transfer
    return None


def _decide(user: User | None, transfer: Transfer, *, school_class: SchoolClass | None = None) -> None:
    if user is None:
        return
    request = Request.objects.get(pk=transfer.pk)
    data = {"school_class": school_class.pk} if school_class else None
    request_decide(actor=user, request=request, approve=True, comment="同意", data=data)


def _first_class(transfer: Transfer) -> SchoolClass | None:
    options = [o for o in checks.class_options(transfer.destination_school, transfer.student) if not o.full]
    return options[0].school_class if options else None


def demo_transfers_data() -> dict:
    """Add the accounts and schools of every distance and file the demo transfers; returns what was filed."""
    school_registrar = User.objects.filter(username="school_registrar").select_related("org_unit").first()
    school_leader = User.objects.filter(username="school_leader").first()
    if school_registrar is None or school_leader is None or not school_registrar.org_unit.is_school:
        return {}
    demo_unit = school_registrar.org_unit
    county_unit = demo_unit.ancestor_of_kind(OrgKind.COUNTY)
    county = User.objects.filter(org_unit=county_unit, role_assignments__role="registrar").first()
    done: dict[str, int] = {}
    taken: set[int] = set(Transfer.objects.values_list("student_id", flat=True))
    same = _same_county_school(demo_unit)
    if same is not None:
        source_unit, source_leader = same
        source_pupils = _pupils(source_unit, taken)
        completed = _first_fit(school_registrar, source_pupils, taken)
        if completed is not None:
            _decide(school_leader, completed, school_class=_first_class(completed))
            _decide(source_leader, completed)
            _decide(county, completed)
            done["same_county_completed"] = completed.pk
        waiting = _first_fit(school_registrar, source_pupils, taken)
        if waiting is not None:
            done["same_county"] = waiting.pk  # waiting for school_leader (the class choice)
    demo_pupils = _pupils(demo_unit, taken)
    other = _other_county_school(demo_unit)
    if other is not None:
        school, users = other
        transfer = _first_fit(users["registrar"], demo_pupils, taken)
        if transfer is not None:
            _decide(users["leader"], transfer, school_class=_first_class(transfer))
            _decide(User.objects.filter(org_unit=school.county, role_assignments__role="registrar").first(),
                    transfer)
            done["across_counties"] = transfer.pk  # waiting for school_leader, the sending school
    _second_city()
    transfer = _first_fit(User.objects.get(username="jixi_school_registrar"), demo_pupils, taken)
    if transfer is not None:
        done["across_cities"] = transfer.pk  # waiting for jixi_school_leader
    across = _across_provinces(demo_pupils, taken)
    if across is not None:
        done["across_provinces"] = across.pk  # 浙江's side, waiting for zj_school_leader
    return done


def _across_provinces(pupils: list[Student], taken: set[int]) -> Transfer | None:
    """A pupil of 屯溪区实验小学 (安徽) filed for by 浙江's zj_school (by national number), waiting for
    zj_school_leader; 安徽's side opens when 浙江's side has approved (the hub's transfers.requested)."""
    from xueji.core.errors import XuejiError

    receiving = User.objects.filter(username="zj_school_registrar").select_related("org_unit").first()
    if receiving is None:
        return None
    school = checks.receiving_school(receiving)
    for student in pupils:
        if student.pk in taken or not student.national_number or checks.transfer_refusal(student, school):
            continue
        try:
            found = finder.pupil_find(actor=receiving, national_number=student.national_number,
                                      source_province=student.province_code, rate_limited=False)
            if found is None:
                continue
            transfer = services.transfer_file(actor=receiving, token=found.token,
                                              proofs={"certificate": [_certificate()]}, migrant=True,
                                              reason="随父母到浙江务工")
        except XuejiError:  # a window closed in the demo's provinces: no sample, the demo runs on
            return None
        taken.add(student.pk)
        return transfer
    return None
