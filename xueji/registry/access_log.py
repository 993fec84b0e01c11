"""The audit trail of who looked at a pupil's record (查阅记录): every view of the record page and of the API
detail writes a `student.view` event, coalesced per user, pupil and clock hour so that reloading a page (or
polling the API) does not flood the append-only log. An investigation still sees, hour by hour, who opened
which record, through which channel first, and whether the ID numbers were shown in full or masked."""

from django.db import transaction

from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import ValidationFailed
from xueji.core.logs import one_line
from xueji.registry.models import FamilyMember, Student
from xueji.registry.presenters import mask_text, presenter_for

VIEW_ACTION = "student.view"


def student_view_record(*, actor, student: Student, channel: str) -> bool:
    """Audit that `actor` viewed `student` ("page" or "api"); False when this hour's event already exists."""
    now = clock.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    # Uses the (object_type, object_id) index; at most one row per user, pupil and hour to look at.
    seen = AuditEvent.objects.filter(object_type="registry.student", object_id=str(student.pk), action=VIEW_ACTION,
                                     actor_id=actor.pk, created_at__gte=hour).exists()
    if seen:
        return False
    audit_record(actor=actor, action=VIEW_ACTION, obj=student,
                 after={"channel": channel, "id_numbers": "full" if presenter_for(actor).full else "masked",
                        "coalesced": "hour"})
    return True


CARD_ACTION = "student.card_print"


def student_card_printed(*, actor, student: Student, as_of=None) -> None:
    """Audit every download of a pupil's record card (学籍卡): one event per download, never coalesced (a
    printed card leaves the system), with whether the ID numbers were printed in full or masked."""
    audit_record(actor=actor, action=CARD_ACTION, obj=student,
                 after={"id_numbers": "full" if presenter_for(actor).full else "masked",
                        "as_of": as_of.isoformat() if as_of else None})


UNMASK_ACTION = "student.unmask"
UNMASK_REASON_MIN = 4


def student_unmask(*, actor, student: Student, reason: str) -> dict:
    """A pupil's personal items in full (身份证件号, G number, address, phone; the family's ID numbers and phones),
    for one stated reason (control 29): refused without the ID right (`student.view_id`) or without a reason, and
    then nothing is shown; every unmasking is one `student.unmask` row with the reason, never coalesced.

    `student` comes from the caller's selector (the user's jurisdiction)."""
    require_cap(actor, Cap.STUDENT_VIEW_ID)
    reason = one_line(reason or "", 200)  # no CR/LF reaches the log
    if len(reason) < UNMASK_REASON_MIN:
        raise ValidationFailed("A reason is required to unmask personal items.", code="unmask_reason",
                               field="reason")
    family = [{"id": m.pk, "name": m.name, "id_number": m.id_number or "", "phone": m.phone or ""}
              for m in FamilyMember.objects.filter(student=student).order_by("pk")]
    shown = {"id_number": student.id_number or "", "national_number": student.national_number or "",
             "address": student.address or "", "phone": student.phone or "", "family": family}
    with transaction.atomic():
        audit_record(actor=actor, action=UNMASK_ACTION, obj=student,
                     after={"reason": reason, "items": sorted(k for k, v in shown.items() if v),
                            "family": len(family)})
    return shown


SEARCH_ACTION = "student.search"


def student_search_record(*, actor, filters: dict, total: int) -> None:
    """Audit a search of pupils (the page and the API count their list through `student_count`): the search term
    with any ID number masked, the other filters and how many pupils it found."""
    term = mask_text(one_line(filters.get("q") or "", 200))
    others = {k: v for k, v in filters.items() if k != "q"}
    audit_record(actor=actor, action=SEARCH_ACTION, object_type="registry.student", object_repr=term[:255],
                 after={"q": term, "filters": others, "rows": int(total),
                        "rows_exact": bool(getattr(total, "exact", True))})
