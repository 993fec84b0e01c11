"""Identity verification (身份核验) on the pupil's timeline (`registry.timeline`): each check of the pupil in a
verification batch, when it was sent and what the population register answered. One query per page: the pupil's
items, newest first, ordered on the moment of the answer (or of sending, while unanswered)."""

from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from xueji.registry.models import Student
from xueji.registry.timeline import Cursor, TimelineEntry, older_than, register_timeline_source
from xueji.verification.choices import BatchMode, VerifyResult
from xueji.verification.models import VerificationItem

_TONES = {VerifyResult.VERIFIED: "success", VerifyResult.ID_NOT_FOUND: "danger",
          VerifyResult.NAME_MISMATCH: "danger"}


def verification_entries(*, user, student: Student, before: Cursor | None, limit: int) -> list[TimelineEntry]:
    # The checks of a pupil the user may see (the timeline's caller read it through `student_get`): a school sees
    # its pupils' checks although the batch was its county's (the batch's own pages stay the county's).
    rows = (VerificationItem.objects.filter(student_id=student.pk)
            .annotate(moment=Coalesce(F("answered_at"), F("batch__created_at")))
            .filter(older_than(before, "verification", at="moment")).select_related("batch__created_by__org_unit")
            .order_by("-moment", "-id")[:limit])
    entries = []
    for row in rows:
        batch = row.batch
        if row.result:
            title = f"{_('Identity check')}：{VerifyResult(row.result).label}"
        else:
            title = str(_("Identity check: sent to the population register, awaiting the answer"))
        creator = batch.created_by
        entries.append(TimelineEntry(
            at=row.moment, source="verification", key=row.pk, kind="verification", title=title,
            icon="bi-shield-check", tone=_TONES.get(row.result, "info"),
            actor=creator.full_name or creator.username, org=creator.org_unit.name if creator.org_unit else "",
            note=f"{_mode(batch.mode)} · {row.name} {row.id_number}"))  # the ID is masked with the note
    return entries


def _mode(mode: str) -> str:
    return str(BatchMode(mode).label) if mode in BatchMode.values else mode


register_timeline_source(verification_entries, name="verification.items")
