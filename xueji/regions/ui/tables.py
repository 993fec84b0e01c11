"""Tables of the regions pages (django-tables2). Big lists (students, audit events) use LazyPaginator: no COUNT(*)."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from xueji.ui.tables import Base


class OrgUnitTable(Base):
    name = tables.Column(verbose_name=_("Name"), linkify=("regions:org_detail", {"pk": tables.A("pk")}))
    kind = tables.Column(verbose_name=_("Kind"))
    code = tables.Column(verbose_name=_("Code"))
    parent = tables.Column(verbose_name=_("Parent"), orderable=False)
    is_active = tables.BooleanColumn(verbose_name=_("Active"))

    class Meta(Base.Meta):
        order_by = ("code",)
