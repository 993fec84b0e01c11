"""Who holds a usable ID, and the keys two records are compared by (a resident ID number; without one, name, sex
and birth date): the lowest layer of registration's checks, shared by clearance, scans and problem records."""

from collections.abc import Iterable

from django.db.models import Count, Q

from xueji.core.sealing import blind_index
from xueji.registry.models import RegStatus, Student


def has_id_q() -> Q:
    """Pupils holding a resident ID number (the only kind the population register checks)."""
    return Q(id_type="1") & Q(id_number__isnull=False) & ~Q(id_number="")


def no_id_q() -> Q:
    """Pupils with no usable ID: another document type, or no number at all (they get a J number)."""
    return ~Q(id_type="1") | Q(id_number__isnull=True) | Q(id_number="")


def holds_id(student: Student) -> bool:
    return student.id_type == "1" and bool(student.id_number)


def no_id_key(name: str, sex: str, birth_date) -> str:
    return f"{name}|{sex}|{birth_date:%Y-%m-%d}"


def needs_final_q() -> Q:
    return Q(national_number__isnull=True) | Q(national_number="") | Q(national_number__startswith="L")


def duplicate_id_numbers(id_numbers: Iterable[str]) -> set[str]:
    """Which of these ID numbers are held by more than one registered record."""
    wanted = list(set(id_numbers))
    if not wanted:
        return set()
    by_index = {blind_index(number): number for number in wanted}  # the number is sealed: grouped by its index
    return {by_index[index] for index in Student.objects.filter(
        id_number__any_of=wanted, reg_status=RegStatus.REGISTERED).values("id_number_index")
        .annotate(n=Count("pk")).filter(n__gt=1).values_list("id_number_index", flat=True)}
