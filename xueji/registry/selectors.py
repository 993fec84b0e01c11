"""Reads of students, each starting from the user's jurisdiction."""

import datetime as dt

from django.db.models import QuerySet

from xueji.accounts.jurisdiction import get_within, within
from xueji.accounts.permissions import Cap, require_cap
from xueji.core.paging import Total, capped_count
from xueji.registry import access_log, counts
from xueji.registry.choices import ChangeKind
from xueji.registry.filters import StudentFilterSet
from xueji.registry.history import RecordAsOf, record_as_of
from xueji.registry.models import (
    CountyStudentCount,
    FamilyMember,
    NationalNumber,
    SchoolStudentCount,
    Student,
    StudentCount,
    StudentDetail,
    StudentHistory,
)
from xueji.registry.presenters import presenter_for
from xueji.registry.timeline import TimelinePage, student_timeline


def student_list(*, user, filters: dict | None = None) -> QuerySet[Student]:
    require_cap(user, Cap.STUDENT_VIEW)
    qs = within(Student.objects.select_related("school", "school_class"), user)
    return StudentFilterSet.narrow(qs, filters, user=user)


# The list filters the pupil counts (registry/counts.py) answer, and their columns in each table of them.
COUNTED_FILTERS = {"school": "school_id", "school_class": "school_class_id", "county": "school__county_id",
                   "status": "status", "reg_status": "reg_status"}
_COUNTY_COLUMNS = {"county": "county_id", "status": "status", "reg_status": "reg_status"}


def student_count(*, user, filters: dict | None = None) -> Total:
    """How many pupils the list shows for these filters: the one place a total is counted. Exact from the pupil
    counts when the filters are among COUNTED_FILTERS, from the coarsest rows that answer them: per class for a
    class, per school for a school or a school's own users, otherwise per county (an authority's total: its
    counties' few rows, not its schools'). Otherwise (a search, the sex) a COUNT over at most COUNT_CAP pupils,
    "at least N" beyond (`Total.exact` False)."""
    require_cap(user, Cap.STUDENT_VIEW)
    given = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    if set(given) <= set(COUNTED_FILTERS):
        checked = StudentFilterSet(given, queryset=Student.objects.none(), user=user).values()
        unit = getattr(user, "org_unit", None)
        if set(checked) <= set(_COUNTY_COLUMNS) and unit is not None and not unit.is_school:
            table, columns = CountyStudentCount, _COUNTY_COLUMNS
        else:
            table, columns = StudentCount if "school_class" in checked else SchoolStudentCount, COUNTED_FILTERS
        rows = within(table.objects.all(), user).filter(**{columns[k]: v for k, v in checked.items()})
        return Total(counts.total(rows))
    total = capped_count(student_list(user=user, filters=given))
    if given.get("q"):  # a search (by name, number or ID): audited once per list, with how many it found
        access_log.student_search_record(actor=user, filters=given, total=total)
    return total


def timeline_of(*, user, pk, before=None, limit: int | None = None) -> tuple[Student, TimelinePage]:
    """One page of the timeline of a pupil the user may see (the page and the API)."""
    student = student_get(user=user, pk=pk)
    page = student_timeline(user=user, student=student, before=before, **({"limit": limit} if limit else {}))
    return student, page


def student_as_of(*, user, pk=None, student: Student | None = None, date: dt.date, detail=None,
                  family=None) -> RecordAsOf:
    """A pupil the user may see as they stood at the end of `date` (the page and the API): `registry.history`."""
    if student is None:
        student = student_get(user=user, pk=pk)
    return record_as_of(user=user, student=student, date=date, detail=detail, family=family)


def is_identity_query(q: str | None) -> bool:
    """A search text with four digits or more is an ID number, a national number or part of one (the shortest
    the list searches by: the last 4 characters of an ID, with a name): it travels in a POST body or as a lookup
    token, never in a URL."""
    return sum(ch.isdigit() for ch in (q or "")) >= 4


def student_get(*, user, pk) -> Student:
    require_cap(user, Cap.STUDENT_VIEW)
    return get_within(Student.objects.select_related("school", "school_class"), user, pk=pk)


def family_of(*, user, student: Student) -> QuerySet[FamilyMember]:
    return within(FamilyMember.objects.filter(student=student), user)


def student_details(*, user, student: Student) -> StudentDetail | None:
    """The rest of the national form of a pupil the user may see (None when none was recorded)."""
    return within(StudentDetail.objects.filter(student=student), user).first()


def number_history(*, user, student: Student) -> QuerySet[NationalNumber]:
    """Every national number the pupil ever held, oldest first (the current one has no superseded date)."""
    return within(NationalNumber.objects.filter(student=student), user).order_by("issued_at", "id")


def status_history(*, user, student: Student) -> QuerySet[StudentHistory]:
    """The pupil's status and registration changes, oldest first (written by the registry's door)."""
    return within(StudentHistory.objects.filter(student=student, kind__in=[ChangeKind.STATUS,
                                                                            ChangeKind.REGISTRATION]),
                  user).order_by("at", "id")


def may_see_id_numbers(user) -> bool:
    """Whether the user holds the ID right (`student.view_id`: it may type, search by and save full ID numbers, and
    read them through the unmask action); pages and the API still show them masked (see presenters)."""
    return presenter_for(user).contact


def shown_id(user, number: str | None) -> str:
    """A resident ID number as this user may see it (a thin wrapper over the presenter)."""
    return presenter_for(user).id_number(number)


def shown_national_number(user, number: str | None) -> str:
    """A national student number as this user may see it: a G number is masked like the ID it holds."""
    return presenter_for(user).national_number(number)
