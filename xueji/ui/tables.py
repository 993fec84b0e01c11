"""The shell's table pieces (django-tables2): the base table, badges, a select-all column. Big lists (students,
audit events) use LazyPaginator: no COUNT(*)."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

NOWRAP = {"td": {"class": "text-nowrap"}}
TABLE_ATTRS = {"class": "table table-hover align-middle mb-0", "thead": {"class": "table-light"}}


def badge(ok: bool, yes, no, *, bad: str = "text-bg-secondary") -> str:
    return format_html('<span class="badge {}">{}</span>', "text-bg-success" if ok else bad, yes if ok else no)


class Base(tables.Table):
    class Meta:
        attrs = TABLE_ATTRS
        empty_text = _("Nothing found.")
        template_name = "django_tables2/bootstrap5.html"

def select_all(name: str) -> dict:
    return {"th__input": {"data-select-all": name, "class": "form-check-input",
                          "aria-label": _("Select all on this page")},
            "td__input": {"class": "form-check-input", "data-select": name}}

