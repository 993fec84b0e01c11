"""Tables of the policy pages (django-tables2). Big lists (students, audit events) use LazyPaginator: no COUNT(*)."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from xueji.ui.tables import Base, badge

# ---------------------------------------------------------------- policy

class WindowTable(Base):
    kind = tables.Column(verbose_name=_("Business"))
    start_date = tables.DateColumn(verbose_name=_("Opens"), format="Y-m-d")
    end_date = tables.DateColumn(verbose_name=_("Closes"), format="Y-m-d")
    source = tables.Column(verbose_name=_("Set by"), accessor="pk", orderable=False)
    state = tables.Column(verbose_name=_("Now"), accessor="pk")
    note = tables.Column(verbose_name=_("Note"), default="—")
    actions = tables.Column(verbose_name="", accessor="pk", orderable=False, attrs={"td": {"class": "text-end"}})

    class Meta(Base.Meta):
        orderable = False

    def __init__(self, *args, today, can_manage: bool, request, viewer, province, **kwargs):
        super().__init__(*args, **kwargs)
        self.today, self.request, self.viewer, self.province = today, request, viewer, province
        self.can_manage = can_manage
        if not can_manage:
            self.columns.hide("actions")

    def render_kind(self, value):
        from xueji.policy.choices import WINDOW_KINDS

        return WINDOW_KINDS.get(value, value)

    def render_source(self, record):
        from xueji.policy.selectors import window_source

        return source_badge(window_source(record, self.viewer, self.province))

    def render_state(self, record):
        if record.start_date <= self.today <= record.end_date:
            return badge(True, _("Open now"), "")
        if record.start_date > self.today:
            return format_html('<span class="badge text-bg-info">{}</span>', _("Upcoming"))
        return format_html('<span class="badge text-bg-secondary">{}</span>', _("Closed"))

    def render_actions(self, record):
        from xueji.policy.selectors import window_source

        if window_source(record, self.viewer, self.province).kind != "own":
            return ""
        return render_to_string("policy/_window_actions.html", {"window": record}, request=self.request)


def source_badge(source) -> str:
    """Where a value comes from: own level, inherited from a named level, set below, or the default."""
    return render_to_string("policy/_source.html", {"source": source})
