"""The record MAC of each pupil (SECURITY.md row 23): an HMAC-SM3 (`core.integrity`) over the identity items of the
record, kept in `StudentMac`, refreshed by every door of the registry after it writes (`counts.after`, which every
door calls with the pupils it wrote, the set-based ones included: the import's COPY, the admission's UPDATE per
class, the numbers' UPDATE ... FROM), checked on the pupil's page (`mismatch_of`) and for all pupils by
`manage.py record_macs` (also the job worker's daily maintenance, with an intrusion alert).

The items are those only the doors write: name, sex, birth date, ethnic group, ID type, the blind indexes of the ID
number and of the national student number (both sealed: the indexes are stable across a data-key rotation, and are
recomputed after a new index key: `rotate_data_key --reindex` refreshes the MACs too; a sealed value changed behind
the application's back does not open at all) and school. Status, grade and class are left out: the school
year's turn writes them by set-based status changes that do not change these items (`counts.after(status=...)`),
and the history tables keep every change of them."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from xueji.core.integrity import record_mac, record_mac_matches
from xueji.registry.models import Student, StudentMac

PURPOSE = "student"
FIELDS = ("name", "sex", "birth_date", "ethnic", "id_type", "id_number_index", "national_number_index",
          "school_id")
BATCH = 5000


def mac_of(values: Sequence) -> str:
    return record_mac(PURPOSE, values)


def refresh(ids: Iterable[int]) -> int:
    """Recompute the MACs of these pupils from their rows as they now stand (one SELECT and one upsert per batch);
    pupils gone lose theirs. Returns how many were written."""
    ids = sorted({int(pk) for pk in ids})
    written = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        rows = list(Student.objects.filter(pk__in=chunk).values_list("pk", *FIELDS))
        StudentMac.objects.bulk_create([StudentMac(student_id=row[0], mac=mac_of(row[1:])) for row in rows],
                                       update_conflicts=True, unique_fields=["student_id"], update_fields=["mac"])
        found = {row[0] for row in rows}
        if len(found) < len(chunk):
            StudentMac.objects.filter(student_id__in=[pk for pk in chunk if pk not in found]).delete()
        written += len(rows)
    return written


def roles_refresh() -> int:
    """Every role assignment's MAC computed anew (after a new index key)."""
    from xueji.accounts.models import RoleAssignment, role_mac

    rows = list(RoleAssignment.objects.all())
    for row in rows:
        row.mac = role_mac(row.user_id, row.role)
    RoleAssignment.objects.bulk_update(rows, ["mac"], batch_size=BATCH)
    return len(rows)


def refresh_all() -> int:
    """Every pupil's MAC computed anew (after the migration that adds them, after a new index key)."""
    return refresh(Student.objects.values_list("pk", flat=True).iterator(chunk_size=BATCH))


def mismatch_of(student: Student) -> bool:
    """Whether a pupil's row no longer matches its MAC (or has none): written outside the application."""
    mac = StudentMac.objects.filter(student_id=student.pk).values_list("mac", flat=True).first()
    return not record_mac_matches(PURPOSE, [getattr(student, name) for name in FIELDS], mac)


@dataclass
class Verification:
    checked: int = 0
    mismatched: list[int] = field(default_factory=list)  # the row does not match its MAC, or has none


def verify() -> Verification:
    """Every pupil checked against its MAC, in batches by id."""
    result = Verification()
    macs_of = StudentMac.objects.values_list("student_id", "mac")
    last = 0
    while True:
        rows = list(Student.objects.filter(pk__gt=last).order_by("pk").values_list("pk", *FIELDS)[:BATCH])
        if not rows:
            return result
        macs = dict(macs_of.filter(student_id__gte=rows[0][0], student_id__lte=rows[-1][0]))
        for row in rows:
            if not record_mac_matches(PURPOSE, row[1:], macs.get(row[0])):
                result.mismatched.append(row[0])
        result.checked += len(rows)
        last = rows[-1][0]


def check_on_read(*, actor, student: Student) -> bool:
    """The pupil page's check: True (and one `registry.mac_mismatch` audit row, failed) when the record does not
    match its MAC: the registrar is warned that its identity items were changed outside the application."""
    if not mismatch_of(student):
        return False
    from xueji.audit.services import audit_record

    audit_record(actor=actor, action="registry.mac_mismatch", obj=student, success=False,
                 org_unit=getattr(student.school, "org_unit", None), after={"channel": "page"})
    return True


def roles_verify() -> Verification:
    """Every role assignment checked against its MAC (`accounts.models.role_mac`)."""
    from xueji.accounts.models import ROLE_MAC_PURPOSE, RoleAssignment

    result = Verification()
    for pk, user_id, role, mac in RoleAssignment.objects.order_by("pk").values_list(
            "pk", "user_id", "role", "mac").iterator(chunk_size=BATCH):
        result.checked += 1
        if not record_mac_matches(ROLE_MAC_PURPOSE, (user_id, role), mac):
            result.mismatched.append(pk)
    return result


def verify_all(*, by: str = "system") -> dict:
    """The verification job (`manage.py record_macs`, the daily maintenance): the pupils and the role assignments
    whose rows do not match their MACs, audited (`integrity.verify`, failed when any); MACs of pupils gone dropped."""
    from xueji.audit.services import audit_record

    students, roles = verify(), roles_verify()
    StudentMac.objects.exclude(student_id__in=Student.objects.values("pk")).delete()
    found = {"students_checked": students.checked, "students_mismatched": students.mismatched[:1000],
             "roles_checked": roles.checked, "roles_mismatched": roles.mismatched[:1000]}
    audit_record(actor=None, username=by, action="integrity.verify", object_type="registry.studentmac",
                 success=not (students.mismatched or roles.mismatched),
                 after={**found, "students_mismatched": found["students_mismatched"][:100],
                        "roles_mismatched": found["roles_mismatched"][:100],
                        "students_count": len(students.mismatched), "roles_count": len(roles.mismatched)})
    return found
