"""Tables of the jobs pages (django-tables2). Big lists (students, audit events) use LazyPaginator: no COUNT(*)."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from xueji.ui.tables import Base


class JobTable(Base):
    title = tables.Column(verbose_name=_("Title"), linkify=("jobs:job_detail", {"pk": tables.A("pk")}))
    status = tables.Column(verbose_name=_("Status"))
    progress = tables.Column(verbose_name=_("Progress"))
    created_by = tables.Column(verbose_name=_("Started by"), orderable=False)
    created_at = tables.DateTimeColumn(verbose_name=_("Started"), format="Y-m-d H:i")
    finished_at = tables.DateTimeColumn(verbose_name=_("Finished"), format="Y-m-d H:i", default="—")

    class Meta(Base.Meta):
        orderable = False

    def render_status(self, record):
        return render_to_string("jobs/_job_status.html", {"job": record})

    def render_progress(self, value):
        return f"{value}%"

    def render_created_by(self, record):
        return record.created_by.full_name or record.created_by.username
