"""Compulsory admission by catchment (义务教育划片入学): the admissions office keeps its catchments (an address area →
a school, per stage), and admits the pupils of its area into the pre-set schools in one unified run, previewed
first:

- junior middle (stage 2): the primary-school graduates of the office's area (records graduated from a primary
  class), by their current address;
- primary (stage 1): the pre-school records of the province not yet taken over (小学新生, see registration), by the
  address they carry.

A pupil already admitted this year (by any school) is left out. Each pupil goes to the school of the most specific
catchment its address begins with, within the school's plan and into its entering classes with a seat left (the
class-size caps, as the results import: `importing.Classes`); the run writes the admissions set-based and they
take effect with the admission run (services.admissions_apply), like those of the import."""

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from xueji.accounts.jurisdiction import restrict
from xueji.accounts.permissions import Cap, require_cap
from xueji.admissions.choices import COUNTED, WINDOW_KIND, AdmissionSource, AdmissionStatus
from xueji.admissions.importing import Classes
from xueji.admissions.models import Admission, AdmissionPlan, Catchment
from xueji.admissions.services import _year_require, require_office
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import Conflict, ValidationFailed
from xueji.policy.services import window_require
from xueji.regions.models import province_code_of
from xueji.registration.models import PreschoolRecord
from xueji.registry.choices import StudentStatus
from xueji.registry.models import RegStatus, Student
from xueji.registry.services import identity_lock
from xueji.schools.models import School

STAGES = ("1", "2")  # 义务教育


@transaction.atomic
def catchment_set(*, actor, school: School, stage: str, area: str) -> Catchment:
    """Add a catchment (or move an area to another school) for a school of the office's area."""
    require_office(actor, school)
    area = (area or "").strip()
    if stage not in STAGES or stage not in (school.stages or ""):
        raise ValidationFailed(_("Catchments are for the compulsory stages the school teaches."),
                               code="catchment_stage", field="stage")
    if len(area) < 2:
        raise ValidationFailed(_("Name the area as addresses begin, e.g. 黄山市屯溪区新安北路."), code="catchment_area",
                               field="area")
    found = Catchment.objects.select_for_update().select_related("school__org_unit").filter(
        stage=stage, area=area).first()
    before = None
    if found is not None:
        require_office(actor, found.school)  # moving an area away from a school needs that school too
        before = {"school": found.school_id}
        found.school, found.created_by, found.created_at = school, actor, clock.now()
        found.save(update_fields=["school", "created_by", "created_at"])
    else:
        found = Catchment.objects.create(stage=stage, area=area, school=school, created_by=actor,
                                         created_at=clock.now())
    audit_record(actor=actor, action="admission.catchment_set", obj=found, org_unit=school.org_unit, before=before,
                 after={"stage": stage, "area": area, "school": school.pk})
    return found


@transaction.atomic
def catchment_delete(*, actor, catchment: Catchment) -> None:
    require_office(actor, catchment.school)
    audit_record(actor=actor, action="admission.catchment_delete", obj=catchment, org_unit=catchment.school.org_unit,
                 before={"stage": catchment.stage, "area": catchment.area, "school": catchment.school_id})
    catchment.delete()


@dataclass
class Candidate:
    id_number: str
    name: str
    sex: str
    birth_date: object
    address: str
    student_id: int | None = None


@dataclass
class Plan:
    """What a run would do (the preview) or did: per school, admitted and refused; the pupils matching no area."""

    stage: str
    year: int
    candidates: int = 0
    admitted: Counter = field(default_factory=Counter)  # school id -> pupils
    over_plan: Counter = field(default_factory=Counter)
    no_plan: Counter = field(default_factory=Counter)
    no_seat: Counter = field(default_factory=Counter)
    unmatched: int = 0
    unmatched_names: list[str] = field(default_factory=list)
    schools: dict[int, School] = field(default_factory=dict)
    admissions: list[Admission] = field(default_factory=list)

    def rows(self) -> list[dict]:
        return [{"school": self.schools[pk].pk, "school_name": self.schools[pk].name, "admitted": self.admitted[pk],
                 "over_plan": self.over_plan[pk], "no_plan": self.no_plan[pk], "no_seat": self.no_seat[pk]}
                for pk in sorted(self.schools, key=lambda k: self.schools[k].code)]

    def summary(self) -> dict:
        return {"stage": self.stage, "year": self.year, "candidates": self.candidates,
                "admitted": sum(self.admitted.values()), "unmatched": self.unmatched,
                "unmatched_names": self.unmatched_names, "schools": self.rows()}


def _candidates(actor, stage: str, year: int) -> list[Candidate]:
    taken = Admission.objects.filter(year=year).exclude(status=AdmissionStatus.WITHDRAWN).values("id_number")
    if stage == "2":  # the pupils' ID number is sealed: compared by value, not with the admissions' column
        taken = list(taken.values_list("id_number", flat=True))
        rows = (restrict(Student, actor).filter(status=StudentStatus.GRADUATED, reg_status=RegStatus.REGISTERED,
                                                school_class__stage="1", id_number__isnull=False)
                .exclude(id_number="").exclude(id_number__in=taken).order_by("pk")
                .values_list("pk", "id_number", "name", "sex", "birth_date", "address"))
        return [Candidate(i, n, s, b, a or "", pk) for pk, i, n, s, b, a in rows]
    rows = (PreschoolRecord.objects.filter(province_code=province_code_of(actor.org_unit) or "",
                                           taken_over_by__isnull=True).exclude(id_number__in=taken).order_by("pk")
            .values_list("id_number", "name", "sex", "birth_date", "data"))
    return [Candidate(i, n, s, b, str((d or {}).get("address", ""))) for i, n, s, b, d in rows]


def _plan(actor, stage: str, year: int) -> Plan:
    result = Plan(stage=stage, year=year)
    catchments = list(restrict(Catchment.objects.select_related("school"), actor).filter(stage=stage))
    by_area = {c.area: c.school for c in catchments}
    lengths = sorted({len(a) for a in by_area}, reverse=True)
    schools = {c.school_id: c.school for c in catchments}
    result.schools = schools
    plans = {p.school_id: p.quota for p in AdmissionPlan.objects.select_for_update().filter(
        school__in=list(schools), stage=stage, year=year).order_by("pk")}
    used = Counter(dict(Admission.objects.filter(school__in=list(schools), stage=stage, year=year,
                                                 status__in=COUNTED).values_list("school_id").annotate(
        n=Count("pk")).order_by()))
    classes = Classes(list(schools.values()), year)
    candidates = _candidates(actor, stage, year)
    result.candidates = len(candidates)
    now = clock.now()
    for c in candidates:
        school = next((by_area[c.address[:n]] for n in lengths if c.address[:n] in by_area), None)
        if school is None:
            result.unmatched += 1
            if len(result.unmatched_names) < 20:
                result.unmatched_names.append(c.name[:1] + "*" * (len(c.name) - 1))
            continue
        if school.pk not in plans:
            result.no_plan[school.pk] += 1
            continue
        if used[school.pk] >= plans[school.pk]:
            result.over_plan[school.pk] += 1
            continue
        klass = classes.first_with_room(school.pk, stage)
        if klass is None:
            result.no_seat[school.pk] += 1
            continue
        used[school.pk] += 1
        result.admitted[school.pk] += 1
        result.admissions.append(Admission(
            year=year, stage=stage, school=school, school_class=klass, student_id=c.student_id,
            id_number=c.id_number, name=c.name, sex=c.sex, birth_date=c.birth_date, status=AdmissionStatus.ADMITTED,
            source=AdmissionSource.CATCHMENT, created_by=actor, created_at=now))
    return result


def _require(actor, stage: str, year) -> int:
    require_cap(actor, Cap.ADMISSION_MANAGE)
    if stage not in STAGES:
        raise ValidationFailed(_("Catchments are for the compulsory stages the school teaches."),
                               code="catchment_stage", field="stage")
    return _year_require(year)


@transaction.atomic
def catchment_preview(*, actor, stage: str, year) -> dict:
    """What the run would do now, written nowhere: per school the pupils it would admit and those refused (over
    the plan, no plan, no seat left), and the pupils whose address matches no catchment."""
    year = _require(actor, stage, year)
    summary = _plan(actor, stage, year).summary()
    transaction.set_rollback(True)  # the classes' and plans' locks go with the preview's transaction
    return summary


@transaction.atomic
def catchment_run(*, actor, stage: str, year) -> dict:
    """Admit the pupils of the office's area into their catchment schools, in one run (see the module)."""
    year = _require(actor, stage, year)
    window_require(unit=actor.org_unit, kind=WINDOW_KIND)
    identity_lock()
    result = _plan(actor, stage, year)
    if not result.admissions:
        raise Conflict(_("Nobody to admit: no pupil of your area matches a catchment with a place and a seat left."),
                       code="catchment_nobody", details=result.summary())
    Admission.objects.bulk_create(result.admissions, batch_size=2000)
    summary = result.summary()
    audit_record(actor=actor, action="admission.catchment_run", object_type="admissions.admission",
                 object_repr=f"{len(result.admissions)} admissions", org_unit=actor.org_unit,
                 after={k: v for k, v in summary.items() if k != "unmatched_names"})
    return summary
