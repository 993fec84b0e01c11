"""Reads of students, each starting from the user's jurisdiction."""

from django.db.models import QuerySet

from xueji.accounts.jurisdiction import get_within, within
from xueji.accounts.permissions import Cap, require_cap
from xueji.registry.choices import ChangeKind
from xueji.registry.filters import StudentFilterSet
from xueji.registry.models import FamilyMember, NationalNumber, Student, StudentDetail, StudentHistory
from xueji.registry.presenters import presenter_for


def student_list(*, user, filters: dict | None = None) -> QuerySet[Student]:
    require_cap(user, Cap.STUDENT_VIEW)
    qs = within(Student.objects.select_related("school", "school_class"), user)
    return StudentFilterSet.narrow(qs, filters)


def is_identity_query(q: str | None) -> bool:
    """A search text with six digits or more is an ID number, a national number or part of one (the
    shortest the list searches by: an area code): it travels in a POST body or as a lookup token, never in
    a URL."""
    return sum(ch.isdigit() for ch in (q or "")) >= 6


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
    """ID numbers are shown in full only to roles that need them; masked everywhere else (see presenters)."""
    return presenter_for(user).full


def shown_id(user, number: str | None) -> str:
    """A resident ID number as this user may see it (a thin wrapper over the presenter)."""
    return presenter_for(user).id_number(number)


def shown_national_number(user, number: str | None) -> str:
    """A national student number as this user may see it: a G number is masked like the ID it holds."""
    return presenter_for(user).national_number(number)
