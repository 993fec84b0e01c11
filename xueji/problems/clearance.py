"""Final national student numbers for cleared pupils (学籍号 after clearance).

A registered pupil first holds a temporary `L` number. It gets its final number once cleared:
- `G` + ID number when the ID is verified by the population register (or confirmed with household-register
  proof through a problem record) and the pupil has no unresolved problem record;
- `J` + an ID-shaped number (county area code, birth date, odd/even sequence by sex, check character) when the
  pupil has no usable ID (ID type other than the resident card, or no number) and no unresolved problem.
The old number is superseded, never deleted, so it stays findable (`registry.numbers.number_lookup`).

Issuance here is set-based and safe in parallel: the pupils' rows are locked and read as values (`SELECT ...
FOR UPDATE`, in id order; no model object per pupil), numbers are checked against every number ever issued or
retired, and two records sharing an ID number (or, without ID, name, sex and birth date) never get a number: a
duplicate problem record is filed instead.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from xueji.core import idnumbers
from xueji.problems.identity_keys import has_id_q, holds_id, needs_final_q, no_id_q
from xueji.problems.scans import record_duplicates_of
from xueji.registry.models import NationalNumber, NumberKind, RegStatus, Student, VerifyStatus
from xueji.registry.numbers import allocate, area_code  # the registry's one allocator
from xueji.registry.services import student_number_issue  # and its one writer

FINAL_STATUSES = (VerifyStatus.VERIFIED, VerifyStatus.PROOF)


def cleared_candidates_q() -> Q:
    """Registered pupils who may be due a final number (the checks in `issue_cleared` decide)."""
    return Q(reg_status=RegStatus.REGISTERED) & needs_final_q() & (
        (has_id_q() & Q(verify_status__in=FINAL_STATUSES)) | no_id_q())


def blocked_student_ids(student_ids: Iterable[int]) -> set[int]:
    """Pupils still concerned by an unresolved problem record (their final number waits)."""
    from xueji.problems.choices import ACTIVE_MEMBER_STATES, ProblemStatus
    from xueji.problems.models import ProblemMember

    return set(ProblemMember.objects.filter(student_id__any_of=list(student_ids), state__in=ACTIVE_MEMBER_STATES)
               .exclude(problem__status=ProblemStatus.RESOLVED).values_list("student_id", flat=True))


def numbers_taken(numbers: Iterable[str]) -> set[str]:
    """Numbers already issued to some record, or retired with a deleted one: never issued again."""
    from xueji.problems.models import RetiredNumber

    wanted = list(numbers)
    taken = set(NationalNumber.objects.filter(number__any_of=wanted).values_list("number", flat=True))
    return taken | set(RetiredNumber.objects.filter(number__any_of=wanted).values_list("number", flat=True))


@dataclass(frozen=True, slots=True)
class Pupil:
    """What issuance reads of a locked pupil (values, not a model object)."""

    pk: int
    national_number: str | None
    id_type: str
    id_number: str | None
    verify_status: str
    province_code: str
    name: str
    sex: str
    birth_date: dt.date
    county_code: str

    @property
    def area(self) -> str:
        return area_code(self.county_code, self.province_code)


PUPIL_FIELDS = ("pk", "national_number", "id_type", "id_number", "verify_status", "province_code", "name", "sex",
                "birth_date", "school__county__code")


@transaction.atomic
def issue_cleared(*, student_ids: Iterable[int], actor, job=None) -> dict:
    """Give the final number to each of these pupils that is cleared; report why the others wait.

    Set-based: the pupils' rows are locked and read as values in one statement, the checks are a few queries over
    the whole set, and the numbers are written by the registry's door in three statements.

    Returns counts: G and J issued; blocked (unresolved problem), unverified, invalid_id (malformed resident
    ID, found by the error scan), duplicates (a duplicate problem was filed instead), taken (the G number was
    already issued or retired: listed by record id for the province to resolve)."""
    ids = sorted(set(student_ids))
    outcome = {"G": 0, "J": 0, "blocked": 0, "unverified": 0, "invalid_id": 0, "duplicates": 0, "taken": []}
    if not ids:
        return outcome
    students = [Pupil(*row) for row in Student.objects.select_for_update(of=("self",)).filter(
        pk__any_of=ids, reg_status=RegStatus.REGISTERED).order_by("pk").values_list(*PUPIL_FIELDS)]
    candidates = [s for s in students if not s.national_number or s.national_number.startswith("L")]
    blocked = blocked_student_ids(s.pk for s in candidates)
    with_id: list[Pupil] = []
    without_id: list[Pupil] = []
    for student in candidates:
        if student.pk in blocked:
            outcome["blocked"] += 1
        elif holds_id(student):
            if not idnumbers.is_valid(student.id_number):
                outcome["invalid_id"] += 1
            elif student.verify_status not in FINAL_STATUSES:
                outcome["unverified"] += 1
            else:
                with_id.append(student)
        else:
            without_id.append(student)

    # Two records sharing an ID (or, without ID, name, sex and birth date) are a problem, not two numbers.
    duplicated = record_duplicates_of(with_id=with_id, without_id=without_id, actor=actor, job=job)
    if duplicated:
        outcome["duplicates"] = sum(1 for s in with_id + without_id if s.pk in duplicated)
        with_id = [s for s in with_id if s.pk not in duplicated]
        without_id = [s for s in without_id if s.pk not in duplicated]

    taken = numbers_taken("G" + s.id_number for s in with_id)
    issued: list[tuple[int, str, str]] = []
    for student in with_id:
        number = "G" + student.id_number
        if number in taken:
            outcome["taken"].append(student.pk)
        else:
            issued.append((student.pk, number, NumberKind.G))
            taken.add(number)
    outcome["G"] = len(issued)

    groups: dict[tuple[str, object, str], list[Pupil]] = defaultdict(list)
    for student in without_id:
        groups[(student.area, student.birth_date, student.sex)].append(student)
    for (area, birth, sex), members in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1], item[0][2])):
        # Like an ID number: odd sequence for boys, even for girls (the registry's J family per area, date, sex).
        for student, n in zip(members, allocate(f"J{area}{birth:%Y%m%d}{sex}", len(members), 499), strict=True):
            issued.append((student.pk, "J" + idnumbers.make(area, birth, 2 * n - 1 if sex == "1" else 2 * n),
                           NumberKind.J))
    outcome["J"] = len(issued) - outcome["G"]
    student_number_issue(actor=actor, issued=issued)
    return outcome
