"""Tables of the verification pages (django-tables2)."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from xueji.ui.tables import Base


class VerificationBatchTable(Base):
    id = tables.Column(verbose_name=_("Batch"), linkify=("verification:detail", {"pk": tables.A("pk")}))
    org_unit = tables.Column(verbose_name=_("Scope"))
    mode = tables.Column(verbose_name=_("Mode"))
    status = tables.Column(verbose_name=_("Status"))
    total = tables.Column(verbose_name=_("Pupils"), attrs={"td": {"class": "text-end"}})
    answered = tables.Column(verbose_name=_("Answered"), attrs={"td": {"class": "text-end"}})
    counts = tables.Column(verbose_name=_("Results"), orderable=False)
    created_at = tables.DateTimeColumn(verbose_name=_("Started"), format="Y-m-d H:i")

    class Meta(Base.Meta):
        orderable = False

    def render_id(self, value):
        return f"#{value}"

    def render_mode(self, record):
        return record.get_mode_display()

    def render_status(self, record):
        return record.get_status_display()

    def render_counts(self, record):
        return render_to_string("verification/_verify_counts.html", {"counts": record.counts or {}})
