"""Tables of the registry pages (django-tables2). Big lists (students, audit events) use LazyPaginator: no COUNT(*)."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.registry.presenters import presenter_for
from xueji.ui.tables import NOWRAP, Base


class StudentTable(Base):
    # Sortable by the columns an index serves (StudentFilterSet.ordering has the same list for the API); never by
    # ID number (an order would tell a masked role what it may not read), nor by national number (sealed).
    national_number = tables.Column(verbose_name=_("National student number"), default="—")
    name = tables.Column(verbose_name=_("Full name"), linkify=("registry:student_detail", {"pk": tables.A("pk")}),
                         orderable=True, order_by=("name_pinyin", "id"))
    sex = tables.Column(verbose_name=_("Sex"))
    # A plain column (DateColumn renders a template per cell: a tenth of the page's time).
    birth_date = tables.Column(verbose_name=_("Date of birth"), attrs=NOWRAP, orderable=True,
                               order_by=("birth_date", "id"))
    id_number = tables.Column(verbose_name=_("ID number"), default="—")
    school = tables.Column(verbose_name=_("School"))
    school_class = tables.Column(verbose_name=_("Class"), default="—", attrs=NOWRAP, orderable=True,
                                 order_by=("school_id", "school_class_id", "class_number", "id"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta(Base.Meta):
        orderable = False  # millions of rows: only the indexed columns above sort

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.shown = presenter_for(user)

    def render_national_number(self, record):
        # A G number is G + the ID: masked like the ID (through the presenter, as every personal item).
        return format_html('<span class="font-monospace">{}</span>', self.shown.national_number(record.national_number))

    def render_birth_date(self, value):
        return value.isoformat()  # YYYY-MM-DD

    def render_sex(self, record):
        return codes.SEX.label(record.sex)

    def render_id_number(self, record):
        # Sensitive personal information of minors: only ever through the presenter (masked unless the role needs it).
        return format_html('<span class="font-monospace">{}</span>', self.shown.id_number(record.id_number))

    def render_status(self, record):
        return codes.STUDENT_STATUS.label(record.status)
