"""Tables of the interface's pages: the clients (sortable, paged) and a client's calls (from the audit log)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xueji.interface.choices import Item
from xueji.ui.tables import NOWRAP, Base, badge


class ApiClientTable(Base):
    name = tables.Column(verbose_name=_("Name"), linkify=lambda record: reverse(
        "interface:client_detail", kwargs={"pk": record.pk}))
    client_id = tables.Column(verbose_name=_("Client id"), attrs=NOWRAP, orderable=False)
    scope = tables.Column(verbose_name=_("Scope"), order_by=("scope__path",))
    items = tables.Column(verbose_name=_("Items"), orderable=False)
    rate_limit = tables.Column(verbose_name=_("Calls per minute"), attrs=NOWRAP)
    is_active = tables.Column(verbose_name=_("State"), attrs=NOWRAP)
    created_at = tables.DateTimeColumn(verbose_name=pgettext_lazy("api client", "Registered"), attrs=NOWRAP)
    rotated_at = tables.DateTimeColumn(verbose_name=_("Rotated"), attrs=NOWRAP, default="—")

    class Meta(Base.Meta):
        order_by = ("name",)

    def render_items(self, record):
        labels = [str(Item(item).label) + ("" if item not in record.unmasked else " ★") for item in record.items]
        return "、".join(labels)

    def render_is_active(self, value):
        return badge(value, _("Active"), _("Revoked"), bad="text-bg-danger")

    def render_client_id(self, value):
        return format_html("<code>{}</code>", value)


class CallTable(Base):
    created_at = tables.DateTimeColumn(verbose_name=_("Time"), attrs=NOWRAP, format="Y-m-d H:i:s")
    endpoint = tables.Column(verbose_name=_("Endpoint"), accessor="after__endpoint", orderable=False)
    status = tables.Column(verbose_name=_("Status"), accessor="after__status", orderable=False, attrs=NOWRAP)
    count = tables.Column(verbose_name=pgettext_lazy("api call", "Records"), accessor="after__count",
                          orderable=False, default="—")
    cursor = tables.Column(verbose_name=_("Cursor"), accessor="after__cursor", orderable=False, default="—")
    ip = tables.Column(verbose_name=_("IP address"), orderable=False, default="—")

    class Meta(Base.Meta):
        orderable = False

    def render_status(self, value):
        return format_html('<span class="badge {}">{}</span>',
                           "text-bg-success" if int(value) < 400 else "text-bg-danger", value)
