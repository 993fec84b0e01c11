"""The shell's table pieces (django-tables2): the base table, badges, a select-all column. Big lists (students,
audit events) use LazyPaginator: no COUNT(*)."""

import functools
import re

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.template.defaultfilters import date as date_filter
from django.templatetags import l10n
from django.utils.encoding import force_str
from django.utils.formats import localize
from django.utils.hashable import make_hashable
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext_lazy as _
from django_tables2 import utils as _tables_utils
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.columns.manytomanycolumn import ManyToManyColumn

NOWRAP = {"td": {"class": "text-nowrap"}}
TABLE_ATTRS = {"class": "table table-hover align-middle mb-0", "thead": {"class": "table-light"}}


def badge(ok: bool, yes, no, *, bad: str = "text-bg-secondary") -> str:
    return format_html('<span class="badge {}">{}</span>', "text-bg-success" if ok else bad, yes if ok else no)


def _shown(value, localized: bool | None) -> str:
    """A cell's value as `{{ cell }}` renders it in django-tables2's template (with its `localize` filters)."""
    if localized is not None:
        value = l10n.localize(value) if localized else l10n.unlocalize(value)
    value = localize(template_localtime(value))
    return conditional_escape(value if isinstance(value, str) else str(value))


def _has_callable(attrs) -> bool:
    return any(callable(v) or (isinstance(v, dict) and _has_callable(v)) for v in attrs.values())


_DATE_TEMPLATE = re.compile(r'\{\{ value\|date:"([^"]*)"\|default:default \}\}')


def _date_format(column) -> str | None:
    """The format of a DateTimeColumn or DateColumn: django-tables2 renders each of their cells by compiling a
    template (`{{ value|date:"…"|default:default }}`), a third of a list's cells' time; here it is the filter."""
    if type(column) not in (tables.DateTimeColumn, tables.DateColumn) or column.template_name:
        return None
    found = _DATE_TEMPLATE.fullmatch(column.template_code or "")
    return found.group(1) if found else None


class _Cells:
    """One column's cells, as django-tables2's BoundRow.get_cell makes them (the value through the accessor, a model
    field's choice label, the default for an empty value, the render method with the arguments it names, the
    link), with what get_cell works out again for every cell worked out once per table: the accessor's parts,
    the model field behind it and its choices (read per cell, a field with callable choices normalises them each
    time: a third of a list's time)."""

    def __init__(self, table, bound_column) -> None:
        self.table, self.bound_column, self.column = table, bound_column, bound_column.column
        self.accessor = tables.A(bound_column.accessor)
        path, _sep, self.remainder = self.accessor.rpartition(self.accessor.SEPARATOR)
        self.head = tables.A(path)
        self.default = bound_column.default
        self.render, self.link = bound_column.render, bound_column.link
        self.m2m = isinstance(self.column, ManyToManyColumn)
        self.text_link = isinstance(self.column, BaseLinkColumn) and self.column.text is not None
        self.date_format = _date_format(self.column) if self.render == self.column.render else None
        self._choices: dict = {}  # (record type, penultimate type) -> (field, {value: label}) or None

    def _choice_of(self, record, penultimate):
        key = (type(record), type(penultimate))
        try:
            return self._choices[key]
        except KeyError:
            pass
        plan = None
        try:
            field = self.accessor.get_field(record)
        except FieldDoesNotExist:
            field = None
        display = getattr(penultimate, f"get_{self.remainder}_display", None)
        if getattr(field, "choices", ()) and display:
            own = getattr(getattr(display, "func", None), "__func__", None) is models.Model._get_FIELD_display
            # Django's get_FOO_display: its choices read once here; a model's own display method: called per cell.
            plan = (field, dict(make_hashable(field.flatchoices))) if own else (None, None)
        self._choices[key] = plan
        return plan

    def __call__(self, row, record):
        value, remainder = None, self.remainder
        penultimate = self.head.resolve(record, quiet=True)
        if isinstance(penultimate, models.Model):
            plan = self._choice_of(record, penultimate)
            if plan is not None:
                field, labels = plan
                if field is None:
                    value = getattr(penultimate, f"get_{remainder}_display")()
                else:
                    raw = getattr(penultimate, field.attname)
                    value = force_str(labels.get(make_hashable(raw), raw), strings_only=True)
                remainder = None
        if remainder:
            try:
                value = self.accessor.resolve(record)
            except Exception:
                if self.text_link:
                    return self._render(row, record, None)
        if value in self.column.empty_values or (self.m2m and not value.exists()):
            return self.default
        return self._render(row, record, value)

    def _render(self, row, record, value):
        kwargs = {"value": value, "record": record, "column": self.column, "bound_column": self.bound_column,
                  "bound_row": row, "table": self.table}
        if self.date_format is not None:  # `{{ value|date:format|default:default }}` without a template per cell
            content = date_filter(template_localtime(value), self.date_format) or self.default
        else:
            content = _tables_utils.call_with_appropriate(self.render, kwargs)
        return self.link(content, **kwargs) if self.link else content


class _Inheriting(tables.tables.DeclarativeColumnsMetaclass):
    """django-tables2 reads a table's options from the `Meta` of its own class body only: a subclass without one
    would fall back to the library's defaults (its template, no attributes). Here it inherits its parent's."""

    def __new__(mcs, name, bases, attrs):
        if "Meta" not in attrs:
            parent = next((base.Meta for base in bases if hasattr(base, "Meta")), None)
            if parent is not None:
                attrs["Meta"] = type("Meta", (parent,), {})
        return super().__new__(mcs, name, bases, attrs)


class Base(tables.Table, metaclass=_Inheriting):
    """Every table of the pages. Its rows are rendered here in Python (`tbody_html`, the template
    ui/table.html): django-tables2's template renders each cell through four template nodes and the column's
    attributes computed again per cell, most of a list page's time; the header and the pagination stay its own.
    A subclass inherits these options with or without a `Meta` of its own."""

    class Meta:
        attrs = TABLE_ATTRS
        empty_text = _("Nothing found.")
        template_name = "ui/table.html"

    def _td_attrs(self, column) -> str | None:
        """A column's <td> attributes when they are the same for every row (None: computed per cell)."""
        merged = {**self.attrs, **column.column.attrs}
        td = merged.get("td", merged.get("cell", {}))
        return None if _has_callable(td) else column.attrs["td"].as_html()

    def tbody_html(self) -> SafeString:
        """The <tbody> as django-tables2's bootstrap5 template renders it: each cell through the column's render
        method, its link and its `localize`, escaped unless safe; the even/odd row classes and `row_attrs`."""
        columns = list(self.columns)
        fixed = [self._td_attrs(column) for column in columns]
        cells = [_Cells(self, column) for column in columns]
        tbody = self.attrs.get("tbody")
        out = [f"<tbody {tables.utils.AttributeDict(tbody).as_html() if tbody else ''}>"]
        rows = 0
        for row in self.paginated_rows:
            rows += 1
            out.append(f"<tr {row.attrs.as_html()}>")
            record = row.record
            for column, td, cell in zip(columns, fixed, cells, strict=True):
                value = cell(row, record)
                if td is None:  # callable attributes see the record and the value, as in BoundRow.items()
                    column.current_value, column.current_record = value, record
                    td = column.attrs["td"].as_html()
                out.append(f"<td {td}>{_shown(value, column.localize)}</td>")
            out.append("</tr>")
        if not rows and self.empty_text:
            out.append(f'<tr><td colspan="{len(columns)}">{conditional_escape(self.empty_text)}</td></tr>')
        out.append("</tbody>")
        return mark_safe("".join(out))  # noqa: S308 - every piece escaped above or safe HTML of a render method

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
