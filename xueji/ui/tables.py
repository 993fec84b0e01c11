"""The shell's table pieces (django-tables2): the base table, badges, a select-all column. Big lists (students,
audit events) use LazyPaginator: no COUNT(*)."""

import functools

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_tables2 import utils as _tables_utils

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



# django-tables2 reads the signature of a column's render method (inspect.signature) for every cell it renders:
# about a tenth of a list page's time. A function's signature never changes, so it is read once per function.
_signature = _tables_utils.signature


@functools.lru_cache(maxsize=4096)
def _function_signature(func, bound: bool):
    args, keywords = _signature(func)
    return (args[1:] if bound and args else args), keywords  # a bound method's first argument is its object


def cached_signature(fn):
    func = getattr(fn, "__func__", None)
    try:
        return _function_signature(func, True) if func is not None else _function_signature(fn, False)
    except TypeError:  # not hashable
        return _signature(fn)


def install_cached_signature() -> None:
    """Called by the app's ready(): django-tables2's call_with_appropriate looks `signature` up at each call."""
    _tables_utils.signature = cached_signature
