"""National student numbers (学籍号): issued once, unique, never reused; every number ever issued is kept.

The allocator lives here, the writer is the registry's door (`registry.services.student_number_issue`); the
final numbers of cleared pupils are issued by `problems.clearance.issue_cleared`, which locks the pupils and
checks retired numbers.

- G + the 18-character resident ID number, once it is verified and free of problems;
- J + an ID-shaped number (area, birth date, 3-digit sequence, check character) when no usable ID exists;
- L + area + birth date + 4 digits: the temporary number given at first registration.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F

from xueji.core.errors import Conflict
from xueji.registry.models import NationalNumber, NumberKind, NumberSequence, Student
from xueji.registry.services import student_number_issue


def allocate(key: str, count: int, limit: int) -> range:
    """Reserve `count` consecutive sequence numbers under `key` (row-locked, so parallel issuers never clash)."""
    NumberSequence.objects.get_or_create(key=key)
    seq = NumberSequence.objects.select_for_update().get(key=key)
    first = seq.last + 1
    if seq.last + count > limit:
        raise Conflict(f"Number family {key} is exhausted.", code="numbers_exhausted")
    NumberSequence.objects.filter(key=key).update(last=F("last") + count)
    return range(first, first + count)


def area_code(county_code: str, province_code: str) -> str:
    """The area of a pupil's J and L numbers: its school's county code, or the province's for a county whose
    code is not an area code."""
    return county_code if county_code.isdigit() else province_code


def area_of(student: Student) -> str:
    return area_code(student.school.county.code, student.province_code)


@transaction.atomic
def issue_temporary(*, students: Iterable[Student], actor) -> int:
    """L numbers for pupils registered for the first time (those who hold no number yet)."""
    pending = [s for s in students if not s.national_number]
    groups: dict[tuple[str, str], list[Student]] = defaultdict(list)
    for student in pending:
        groups[(area_of(student), f"{student.birth_date:%Y%m%d}")].append(student)
    issued: list[tuple[Student, str, str]] = []
    for (area, birth), members in sorted(groups.items()):
        for student, seq in zip(members, allocate(f"L{area}{birth}", len(members), 9999), strict=True):
            issued.append((student, f"L{area}{birth}{seq:04d}", NumberKind.L))
    student_number_issue(actor=actor, issued=issued)
    return len(issued)


def number_lookup(number: str) -> NationalNumber | None:
    """Find a record by any number it ever held (current or superseded)."""
    return NationalNumber.objects.select_related("student").filter(number=number.strip().upper()).first()
