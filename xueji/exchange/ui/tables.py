"""Tables of the exchange pages (django-tables2). Big lists (students, audit events) use LazyPaginator: no COUNT(*)."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from xueji.ui.tables import Base

# ---------------------------------------------------------------- bulk import

class ImportTable(Base):
    file_name = tables.Column(verbose_name=_("File"), linkify=("exchange:import_detail", {"pk": tables.A("pk")}))
    school = tables.Column(verbose_name=_("School"))
    kind = tables.Column(verbose_name=_("Pupils"))
    status = tables.Column(verbose_name=_("Status"))
    total_rows = tables.Column(verbose_name=_("Rows"), attrs={"td": {"class": "text-end"}})
    valid_rows = tables.Column(verbose_name=_("Imported"), attrs={"td": {"class": "text-end"}})
    invalid_rows = tables.Column(verbose_name=_("Invalid"), attrs={"td": {"class": "text-end"}})
    duplicate_rows = tables.Column(verbose_name=_("Duplicates"), attrs={"td": {"class": "text-end"}})
    created_by = tables.Column(verbose_name=_("Uploaded by"))
    created_at = tables.DateTimeColumn(verbose_name=_("Uploaded"), format="Y-m-d H:i")

    class Meta(Base.Meta):
        orderable = False

    def __init__(self, *args, show_school: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_school:
            self.columns.hide("school")

    def render_kind(self, record):
        return record.get_kind_display()

    def render_status(self, record):
        return render_to_string("exchange/_import_status.html", {"batch": record})

    def render_duplicate_rows(self, record):
        return record.duplicate_rows + record.already_imported_rows

    def render_created_by(self, record):
        return record.created_by.full_name or record.created_by.username
