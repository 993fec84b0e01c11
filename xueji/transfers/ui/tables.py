"""Tables of the transfer lists (django-tables2): sortable, paged with their total. The pupil's national number is
masked in the lists (a receiving school sees a pupil of another school); the page of one transfer shows it as the
viewer's jurisdiction allows."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role
from xueji.core import clock
from xueji.registry.presenters import presenter_for
from xueji.transfers.checks import pupil_of
from xueji.transfers.choices import TransferState, distance_label
from xueji.ui.tables import NOWRAP, Base
from xueji.workflow.resolvers import party_label

_STATE_TONES = {TransferState.FILED: "text-bg-warning", TransferState.APPROVED: "text-bg-info",
                TransferState.AWAITING_RETRIEVAL: "text-bg-info", TransferState.COMPLETED: "text-bg-success",
                TransferState.REJECTED: "text-bg-danger", TransferState.WITHDRAWN: "text-bg-secondary",
                TransferState.CANCELLED: "text-bg-secondary"}
_ROLES = dict(Role.choices)
_STATES = dict(TransferState.choices)  # get_state_display() normalises the field's choices on every call


class TransferTable(Base):
    request_id = tables.Column(verbose_name=_("No."), attrs=NOWRAP,
                               linkify=lambda record: reverse("transfers:transfer_detail", args=[record.pk]))
    student = tables.Column(verbose_name=_("Pupil"), empty_values=(), order_by=("student__name_pinyin",
                                                                                   "pupil__name_pinyin"))
    national_number = tables.Column(verbose_name=_("National student number"), default="—", orderable=False)
    source_school_name = tables.Column(verbose_name=_("Sending school"))
    destination_school_name = tables.Column(verbose_name=_("Receiving school"))
    distance = tables.Column(verbose_name=_("Distance"))
    state = tables.Column(verbose_name=_("State"))
    holder = tables.Column(verbose_name=_("Held by"), accessor="holder_name", orderable=False, default="—")
    filed_at = tables.DateTimeColumn(verbose_name=_("Filed"), format="Y-m-d H:i", attrs=NOWRAP)

    def render_request_id(self, value):
        return f"#{value}"

    def render_student(self, record):
        if getattr(record, "pupil_withheld", False):  # a labelled pupil, the viewer not cleared (control 10)
            from xueji.transfers.selectors import withheld_name

            return withheld_name()
        text = pupil_of(record).name  # the record, or the sending province's answer (across, before 调档)
        if record.migrant:
            return format_html('{} <span class="badge text-bg-light border" title="{}">{}</span>', text,
                               _("Migrant child (随迁子女)"), _("Migrant"))
        return text

    def render_national_number(self, record, value):
        if getattr(record, "pupil_withheld", False):
            return "—"
        return presenter_for(None).national_number(value) or "—"

    def render_distance(self, value):
        return distance_label(value)

    def render_state(self, record):
        return format_html('<span class="badge {}">{}</span>', _STATE_TONES.get(record.state, "text-bg-secondary"),
                           _STATES.get(record.state, record.state))

    def render_holder(self, record):
        since = timesince(getattr(record, "held_since", None) or record.request.updated_at, clock.now())
        return format_html('{} · {}<div class="small text-body-secondary">{} · {}</div>', record.holder_name,
                           _ROLES.get(record.holder_role, record.holder_role), party_label(record.holder_party),
                           _("waiting %(time)s") % {"time": since})
