"""Tables of the audit pages (django-tables2). Big lists (students, audit events) use LazyPaginator: no COUNT(*)."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from xueji.registry.presenters import presenter_for
from xueji.ui.tables import Base, badge


class AuditEventTable(Base):
    created_at = tables.DateTimeColumn(verbose_name=_("Time"), format="Y-m-d H:i:s",
                                       linkify=("audit:audit_detail", {"pk": tables.A("pk")}))
    actor_username = tables.Column(verbose_name=_("User"), default="—")
    action = tables.Column(verbose_name=_("Action"))
    object_repr = tables.Column(verbose_name=_("Object"), default="—")
    ip = tables.Column(verbose_name=_("IP address"), default="—")
    success = tables.Column(verbose_name=_("Result"))

    class Meta(Base.Meta):
        orderable = False

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.shown = presenter_for(user)  # no user: masked

    def render_action(self, value):
        return format_html('<code>{}</code>', value)

    def render_object_repr(self, value):
        return self.shown.text(value)

    def render_success(self, record):
        return badge(record.success, _("Succeeded"), _("Failed"), bad="text-bg-danger")
