"""The comparison of a statistics return with the registration records at its statistics date (a read: the
selectors' companion).

The records at the date: the pupils on the roll and registered now, per school, grade (the class's cohort in the
school year of the date) and sex, corrected for the pupils whose record changed after the date (their history
replayed backwards by `registry.history.record_as_of`, one pupil at a time: the pupils who changed since are few)
and without the pupils entered after it. Every school and grade of the return where the counts differ is listed
with the pupils that explain it where the system can tell: pupils of that school, grade and sex still waiting for
registration (a school counts them, the records not yet), and pupils whose status or school changed within
NEAR_DAYS of the date (the return may have been counted on another day)."""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from xueji.accounts.jurisdiction import restrict
from xueji.accounts.permissions import Cap
from xueji.core import codes
from xueji.registry.choices import ON_ROLL, ChangeKind, RegStatus
from xueji.registry.history import end_of_day, record_as_of
from xueji.registry.models import Student, StudentHistory
from xueji.registry.presenters import presenter_for
from xueji.reports.models import StatisticsReturn
from xueji.schools.models import School, SchoolClass, SchoolYear

NEAR_DAYS = 30
MAX_REPLAYED = 2000  # pupils changed after the date replayed one by one; beyond, the comparison says so
_ROLL = {str(s) for s in ON_ROLL}


@dataclass
class Difference:
    school: School
    grade: str
    sex: str
    in_return: int
    in_records: int
    pupils: list[dict] = field(default_factory=list)

    @property
    def gap(self) -> int:
        return self.in_return - self.in_records

    def as_dict(self) -> dict:
        return {"school": self.school.pk, "school_code": self.school.code, "school_name": self.school.name,
                "grade": self.grade, "grade_name": codes.GRADE.label(self.grade), "sex": self.sex,
                "sex_name": codes.SEX.label(self.sex), "in_return": self.in_return, "in_records": self.in_records,
                "difference": self.gap, "pupils": self.pupils}


@dataclass
class Comparison:
    statistics_return: StatisticsReturn
    differences: list[Difference]
    rows_compared: int
    replayed: int
    truncated: bool


def _key(student: Student, klass: SchoolClass | None, year: int) -> tuple | None:
    if klass is None or student.status not in _ROLL or student.reg_status != RegStatus.REGISTERED:
        return None
    grade = codes.grade_code(klass.stage, year - klass.cohort_year + 1)
    return (student.school_id, grade, student.sex) if grade else None


def compare(*, user, statistics_return: StatisticsReturn) -> Comparison:
    ret = statistics_return
    year = SchoolYear.start_year_for(ret.stat_date)
    end = end_of_day(ret.stat_date)
    wanted: dict[tuple, int] = {(r.school_id, r.grade, r.sex): r.count for r in ret.lines.all()}
    school_ids = sorted({k[0] for k in wanted})
    schools = {s.pk: s for s in School.objects.filter(pk__in=school_ids)}
    pupils = restrict(Student, user, Cap.STUDENT_VIEW)
    records: Counter = Counter()
    for school, stage, cohort, sex, n in (pupils.filter(school_id__in=school_ids, status__in=_ROLL,
                                                        reg_status=RegStatus.REGISTERED, school_class__isnull=False)
                                          .values_list("school_id", "school_class__stage",
                                                       "school_class__cohort_year", "sex")
                                          .annotate(n=Count("pk")).order_by()):
        grade = codes.grade_code(stage, year - cohort + 1)
        if grade:
            records[(school, grade, sex)] += n
    # Pupils whose record changed after the date (or who were entered after it): replayed to the date.
    changed = set(StudentHistory.objects.filter(at__gte=end, student__in=pupils).values_list("student_id", flat=True)
                  .order_by("student_id").distinct()[:MAX_REPLAYED + 1])
    changed |= set(pupils.filter(created_at__gte=end, school_id__in=school_ids).values_list("pk", flat=True)
                   [:MAX_REPLAYED + 1])
    truncated = len(changed) > MAX_REPLAYED
    replay = sorted(changed)[:MAX_REPLAYED]
    classes: dict[int, SchoolClass] = {}
    moved_by_key: dict[tuple, list[tuple[Student, str]]] = defaultdict(list)
    for student in pupils.filter(pk__in=replay).select_related("school", "school_class"):
        now_key = _key(student, student.school_class, year)
        then = record_as_of(user=user, student=student, date=ret.stat_date)
        then_key = None
        if then.exists:
            klass_id = then.student.school_class_id
            if klass_id and klass_id not in classes:
                classes[klass_id] = SchoolClass.objects.filter(pk=klass_id).first()
            then_key = _key(then.student, classes.get(klass_id), year)
        if now_key == then_key:
            continue
        if now_key is not None and now_key[0] in schools:
            records[now_key] -= 1
        if then_key is not None and then_key[0] in schools:
            records[then_key] += 1
        for key in {now_key, then_key} - {None}:
            moved_by_key[key].append((student, _("counted at the date, changed after it") if key == then_key
                                      else _("changed after the date: not counted then")))
    diffs = []
    for key in sorted(set(wanted) | {k for k in records if k[0] in schools and records[k]}):
        have, want = records.get(key, 0), wanted.get(key, 0)
        if have != want:
            diffs.append(Difference(schools[key[0]], key[1], key[2], want, have))
    _explain(user, diffs, year, ret.stat_date, moved_by_key)
    return Comparison(ret, diffs, len(wanted), len(replay), truncated)


def _explain(user, diffs: list[Difference], year: int, day: dt.date, moved: dict) -> None:
    """The pupils that may explain each difference: those waiting for registration in its school, grade and sex;
    those whose status or school changed within NEAR_DAYS of the date; those replayed across the date."""
    if not diffs:
        return
    presenter = presenter_for(user)
    at = {(d.school.pk, d.grade, d.sex): d for d in diffs}
    school_ids = sorted({d.school.pk for d in diffs})
    pupils = restrict(Student, user, Cap.STUDENT_VIEW).filter(school_id__in=school_ids, school_class__isnull=False)

    def add(student, klass, why: str, key=None) -> None:
        key = key or (student.school_id, codes.grade_code(klass.stage, year - klass.cohort_year + 1), student.sex)
        if key in at and len(at[key].pupils) < 50:
            entry = {"id": student.pk, "name": student.name,
                     "national_number": presenter.national_number(student.national_number), "why": str(why)}
            if entry["id"] not in {p["id"] for p in at[key].pupils}:
                at[key].pupils.append(entry)

    for key, items in moved.items():
        for student, why in items:
            add(student, None, why, key=key)
    for student in pupils.filter(reg_status__in=[RegStatus.DRAFT, RegStatus.PENDING]).select_related("school_class"):
        add(student, student.school_class, _("not registered yet (%(state)s)") % {
            "state": RegStatus(student.reg_status).label})
    near = (StudentHistory.objects.filter(student__in=pupils, kind__in=[ChangeKind.STATUS, ChangeKind.PLACEMENT],
                                          at__gte=end_of_day(day - dt.timedelta(days=NEAR_DAYS + 1)),
                                          at__lt=end_of_day(day + dt.timedelta(days=NEAR_DAYS)))
            .select_related("student__school_class"))
    for row in near:
        add(row.student, row.student.school_class, _("status or school changed on %(day)s") % {
            "day": row.at.date().isoformat()})
