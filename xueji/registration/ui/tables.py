"""Tables of the registration pages (django-tables2). Big lists (students, audit events) use LazyPaginator: no
COUNT(*)."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.registry.selectors import shown_id
from xueji.ui.tables import NOWRAP, Base, select_all

# ---------------------------------------------------------------- registration

class DraftTable(Base):
    student_ids = tables.CheckBoxColumn(accessor="pk", attrs=select_all("student_ids"))
    name = tables.Column(verbose_name=_("Full name"), linkify=("registration:draft_edit", {"pk": tables.A("pk")}))
    sex = tables.Column(verbose_name=_("Sex"))
    birth_date = tables.DateColumn(verbose_name=_("Date of birth"), format="Y-m-d", attrs=NOWRAP)
    id_number = tables.Column(verbose_name=_("ID number"), default="—")
    school = tables.Column(verbose_name=_("School"))
    school_class = tables.Column(verbose_name=_("Class"), default="—", attrs=NOWRAP)
    created_at = tables.DateTimeColumn(verbose_name=_("Entered"), format="Y-m-d H:i")

    class Meta(Base.Meta):
        orderable = False

    def __init__(self, *args, user, selectable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not selectable:
            self.columns.hide("student_ids")
        if user.org_unit.is_school:
            self.columns.hide("school")

    def render_sex(self, record):
        return codes.SEX.label(record.sex)

    def render_id_number(self, record):
        return format_html('<span class="font-monospace">{}</span>', shown_id(self.user, record.id_number))
