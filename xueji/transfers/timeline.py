"""The transfers' part of the pupil's timeline (`registry.timeline`): every transfer of the pupil the user may see,
at its filing, with the two schools and classes (before and after), the distance, the parties of its route in
order, where it stands (escalated past the consent deadline, completed) and links to its page and its printable
form. The engine adds the request's actions (filed, approved, returned ...) with their comments and proofs; the
registry adds the placement row the move wrote. Two queries: a LIMIT on the pupil's transfers, and their steps."""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _

from xueji.accounts.jurisdiction import restrict
from xueji.accounts.permissions import Cap, has_cap
from xueji.registry.models import Student
from xueji.registry.timeline import Cursor, TimelineEntry, older_than, register_timeline_source
from xueji.transfers.choices import TransferState, distance_label
from xueji.transfers.models import Transfer
from xueji.workflow.models import Step
from xueji.workflow.resolvers import party_label

_TONES = {TransferState.COMPLETED: "success", TransferState.REJECTED: "danger", TransferState.WITHDRAWN: "secondary",
          TransferState.CANCELLED: "secondary"}


def _route(transfer: Transfer) -> str:
    steps = transfer.request.steps.all()
    current = [s for s in steps if s.round == transfer.request.round]
    return " → ".join(f"{party_label(s.resolver)}（{s.org_unit.name}）" for s in sorted(current, key=lambda s: s.order))


def transfer_entries(*, user, student: Student, before: Cursor | None, limit: int) -> list[TimelineEntry]:
    if not has_cap(user, Cap.REQUEST_VIEW):
        return []
    rows = list(restrict(Transfer.objects.filter(student=student), user)
                .filter(older_than(before, "transfer", at="filed_at", key="request_id"))
                .select_related("request", "escalated_from")
                .prefetch_related(Prefetch("request__steps", queryset=Step.objects.select_related("org_unit")))
                .order_by("-filed_at", "-request_id")[:limit])
    entries = []
    for row in rows:
        notes = [_("Route: %(route)s") % {"route": _route(row)}]
        if row.migrant:
            notes.append(_("Migrant child (随迁子女)"))
        if row.escalated_at:
            notes.append(_("%(unit)s did not answer in time: the common superior authority decides (%(day)s)") % {
                "unit": row.escalated_from.name if row.escalated_from else "", "day": f"{row.escalated_at:%Y-%m-%d}"})
        if row.reason:
            notes.append(row.reason)
        title = _("Transfer (%(distance)s): %(source)s → %(destination)s · %(state)s") % {
            "distance": distance_label(row.distance), "source": row.source_school_name,
            "destination": row.destination_school_name, "state": row.get_state_display()}
        entries.append(TimelineEntry(
            at=row.filed_at, source="transfer", key=row.request_id, kind=f"transfer.{row.state}", title=title,
            icon="bi-box-arrow-in-right", tone=_TONES.get(row.state, "primary"),
            changes=(("school_id", row.source_school_id, row.destination_school_id),
                     ("school_class_id", row.source_class_id, row.destination_class_id)),
            note="；".join(notes), request_id=row.request_id,
            links=((_("Transfer form (PDF)"), reverse("transfers:transfer_form_pdf", args=[row.request_id])),)))
    return entries


register_timeline_source(transfer_entries, name="transfers.transfers")
