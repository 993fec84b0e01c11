"""Typed list filters: the base of every list's FilterSet (`<app>/filters.py`) and its fields. Query-string
values are checked before they reach a query, so `?school=abc` or `?since=yesterday` answers 400 with the field
named, never a server error."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _

from xueji.core.errors import ValidationFailed

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(_("Expected a whole number."))
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(_("Expected a whole number, got %(v)r.") % {"v": str(value)[:40]}) from None


def as_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(_("Expected a date as YYYY-MM-DD, got %(v)r.") % {"v": str(value)[:40]}) from None


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(_("Expected true or false, got %(v)r.") % {"v": str(value)[:40]})


# ---------------------------------------------------------------- FilterSets (django-filter)

class IdField(forms.ModelChoiceField):
    """An object's id in a filter. A page offers the objects a selector returned (`queryset`) and refuses any
    other id (`invalid_choice`); the API takes a plain id (no queryset): one outside the jurisdiction narrows the
    already restricted list to nothing, so it leaks nothing. A malformed id is an error in both."""

    def __init__(self, *args, shown: Callable[[Any], str] | None = None, **kwargs):
        kwargs.setdefault("queryset", None)
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        if shown is not None:
            self.label_from_instance = shown

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return as_int(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None

    def validate(self, value):
        super(forms.ChoiceField, self).validate(value)  # required only: the choice is checked below
        if value is not None and self.queryset is not None and not self.queryset.filter(pk=value).exists():
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")


class RemoteSelect(forms.Select):
    """The select of one object among thousands (a school of the province, a class): the page carries the chosen
    object only, and the shell's script (ui/js/remote-select.js, tom-select) loads the others as the user types
    from `url` (a choices endpoint of the user's jurisdiction: ?q=, at most 20 rows; `depends`: the name of the
    filter whose value it passes along, e.g. the school of a class). The field's queryset still checks the id."""

    def __init__(self, url: str, *, depends: str = "", attrs=None):
        super().__init__({"data-remote": url, **({"data-depends": depends} if depends else {}), **(attrs or {})})

    @property
    def media(self):
        return forms.Media(css={"all": ["vendor/tom-select/css/tom-select.bootstrap5.min.css"]},
                           js=["vendor/tom-select/js/tom-select.complete.min.js", "ui/js/remote-select.js"])

    def optgroups(self, name, value, attrs=None):
        chosen = [v for v in value if v not in ("", None)]
        field = getattr(self.choices, "field", None)
        blank = str(getattr(field, "empty_label", "") or "")
        options = [self.create_option(name, "", blank, not chosen, 0, attrs=attrs)]
        queryset = getattr(self.choices, "queryset", None)
        ids = [int(v) for v in chosen if str(v).isdigit()]
        if ids and queryset is not None:
            for index, obj in enumerate(queryset.filter(pk__in=ids), start=1):
                options.append(self.create_option(name, str(obj.pk), field.label_from_instance(obj), True, index,
                                                  attrs=attrs))
        return [(None, options, 0)]


class IdFilter(django_filters.Filter):
    """An object's id. `remote` (an API URL name): on a page, the select loads its options on demand from that
    choices endpoint (RemoteSelect) instead of rendering every object of the jurisdiction; `depends`: the filter
    whose value the endpoint is given too (the school of a class)."""

    field_class = IdField

    def __init__(self, *args, remote: str | None = None, depends: str = "", **kwargs):
        self.remote, self.depends = remote, depends
        super().__init__(*args, **kwargs)


class IntFilter(django_filters.Filter):
    """A whole number (django-filter's NumberFilter takes decimals: `?cohort_year=2024.5` must answer 400)."""

    field_class = forms.IntegerField


class _CheckboxText(forms.CheckboxInput):
    """A checkbox on a page that hands its field the raw text, so the API's `?mine=0` reads as false."""

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class BoolField(forms.Field):
    """true/false, 1/0, yes/no, on/off (a ticked checkbox sends "on"); anything else is an error."""

    widget = _CheckboxText

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return as_bool(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class BoolFilter(django_filters.Filter):
    field_class = BoolField


class FilterForm(forms.Form):
    """The form of a ListFilterSet: Bootstrap's small inputs, every field optional, 'All' as the blank choice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            if isinstance(field, forms.ModelChoiceField):
                field.empty_label = _("All")
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            else:
                widget.attrs.setdefault("class", "form-control form-control-sm")

    def filters(self) -> dict:
        """The valid values as the list selector takes them (objects by id); invalid ones are dropped (a page)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value.pk if hasattr(value, "pk") else value for name, value in self.cleaned_data.items()
                if value is False or value not in (None, "", [])}  # False was sent ("0"): ?success=0 means failed

    @property
    def active(self) -> bool:
        return bool(self.filters())


class ListFilterSet(django_filters.FilterSet):
    """One list's filters, declared once and shared by its page, its API list and its selector. It only narrows
    a queryset the selector already restricted to the user's jurisdiction.

    A page passes `page=True` and `choices` ({filter name: the selector's queryset for this user}): its id
    filters then offer those objects and refuse others, and `api_only` filters are left out of its form.
    Otherwise (the API, the selector) ids are plain numbers, and every value is checked."""

    api_only: tuple[str, ...] = ()

    class Meta:
        form = FilterForm

    def __init__(self, data=None, queryset=None, *, user=None, page: bool = False, choices: dict | None = None,
                 **kwargs):
        self.user = user  # for filters about the user ("filed by my unit")
        super().__init__(data, queryset=queryset, **kwargs)
        if page:
            for name in self.api_only:
                self.form.fields.pop(name, None)
            for name, declared in self.filters.items():
                if getattr(declared, "remote", None) and name in self.form.fields:
                    self.form.fields[name].widget = RemoteSelect(reverse(declared.remote), depends=declared.depends,
                                                                 attrs={"class": "form-select form-select-sm"})
            for name, objects in (choices or {}).items():
                self.form.fields[name].queryset = objects  # sets the widget's choices too

    def values(self) -> dict:
        """The filters as typed values; all invalid ones at once as one 400 (`ValidationFailed`)."""
        if not self.is_valid():
            raise ValidationFailed(_("Some filters are invalid."),
                                   details={name: [str(m) for m in messages] for name, messages in self.errors.items()})
        return self.form.filters()

    @classmethod
    def narrow(cls, queryset, filters, *, user=None):
        """`queryset` (already restricted) narrowed by `filters` (a dict or a QueryDict), strictly checked. No
        filters, nothing to build (a FilterSet copies its every filter: the inboxes and counts of each page)."""
        given = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
        if not given:
            return queryset
        filterset = cls(given, queryset=queryset, user=user)
        filterset.values()
        return filterset.qs
