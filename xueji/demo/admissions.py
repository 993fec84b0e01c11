"""Admission (招生) in the demo, idempotently, through the services like a user would:

- `city_admissions` (黄山市教育局招生部门) sets the plans of the senior stage of every school of the city that teaches
  it, for this year's entering cohort (the demo's classes of that cohort are the entering classes);
- the county office of `senior_*` sets that school's junior-stage plan when it teaches one;
- `tunxi_admissions` sets the grade-1 plan of 屯溪区实验小学 (`school_*`) and its catchment (黄山市屯溪区): the demo's
  pre-school records live there, so 招生 → 划片管理 → 划片入学 previews and runs their admission;
- `senior_registrar` asks for 20 more places (计划调整), waiting for its county's admissions office;
- `city_admissions` imports a small admission-results file (8 pupils without a record in the province), and the
  office of a second senior school's county imports one of those pupils for its school too: a duplicate admission
  (重复招生) waiting on 招生 → 重复招生 for the city to keep one.

Nothing takes effect here: 录取名单 → 录取生效 is left to the demo user."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from xueji.accounts.models import User
from xueji.admissions import importing, services
from xueji.admissions.catchment import catchment_set
from xueji.admissions.models import AdmissionPlan
from xueji.core import idnumbers
from xueji.schools.models import School
from xueji.schools.selectors import current_school_year_start

HEADER = ",".join(title for _key, title, _required in importing.COLUMNS)
AREA = "341003"  # 黄山区: the admitted pupils come from there, with no record in the demo yet


def _user(username: str) -> User | None:
    return User.objects.select_related("org_unit").filter(username=username).first()


def _office_of(school: School) -> User | None:
    return User.objects.select_related("org_unit").filter(org_unit=school.county,
                                                          role_assignments__role="admissions").first()


def demo_admissions_data() -> list[str]:
    city, senior_registrar = _user("city_admissions"), _user("senior_registrar")
    if city is None or senior_registrar is None or AdmissionPlan.objects.exists():
        return []
    year = current_school_year_start()
    seniors = list(School.objects.filter(org_unit__path__startswith=city.org_unit.path, stages__contains="3",
                                         is_active=True).select_related("county").order_by("code"))
    made = []
    for school in seniors:
        services.plan_set(actor=city, school=school, stage="3", year=year, quota=300, note="统招")
    made.append(f"{len(seniors)} senior-stage plans")
    senior = School.objects.select_related("county", "org_unit").get(org_unit=senior_registrar.org_unit)
    county_office = _office_of(senior)
    if county_office is not None and "2" in senior.stages:
        services.plan_set(actor=county_office, school=senior, stage="2", year=year, quota=200)
    primary_registrar, tunxi = _user("school_registrar"), _user("tunxi_admissions")
    if primary_registrar is not None and tunxi is not None:  # 划片: the pre-school records of 屯溪区 (小学新生)
        primary = School.objects.get(org_unit=primary_registrar.org_unit)
        services.plan_set(actor=tunxi, school=primary, stage="1", year=year, quota=150, note="划片招生")
        catchment_set(actor=tunxi, school=primary, stage="1", area="黄山市屯溪区")
        made.append(f"a catchment of {primary.name}")
    services.plan_change_file(actor=senior_registrar, stage="3", year=year, quota=320, reason="新增两个教学班")
    made.append("a plan change waiting for the county's office")
    rows = []
    for n in range(8):
        birth = dt.date(year - 15, 1 + n, 3 + n)
        rows.append(",".join([idnumbers.make(AREA, birth, 2 * n + 301), f"新生{'甲乙丙丁戊己庚辛'[n]}", "男",
                              birth.isoformat(), "", senior.code, "高中", ""]))
    batch = importing.results_import(actor=city, upload=SimpleUploadedFile(
        "黄山市高中录取.csv", ("\n".join([HEADER, *rows]) + "\n").encode("utf-8"), content_type="text/csv"),
        year=year)
    made.append(f"an admission file of {batch.admitted_rows} pupils ({batch.status})")
    other = next((s for s in seniors if s.pk != senior.pk and s.county_id != senior.county_id), None)
    office = _office_of(other) if other is not None else None
    if office is not None:
        first = rows[0].split(",")
        first[5] = other.code
        importing.results_import(actor=office, upload=SimpleUploadedFile(
            "自主招生.csv", ("\n".join([HEADER, ",".join(first)]) + "\n").encode("utf-8"), content_type="text/csv"),
            year=year)
        made.append(f"a duplicate admission ({senior.name} and {other.name})")
    return made
