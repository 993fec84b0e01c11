"""The shell's form pieces: choice fields scoped by a selector (an id outside the user's jurisdiction answers
404), date inputs. Each app's forms live in its ui/forms.py; a list's filters are its app's FilterSet
(`<app>/filters.py`, xueji.core.filters.ListFilterSet)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xueji.core.errors import NotFound
from xueji.regions.filters import org_unit_label
from xueji.registry.filters import class_label


def date_input() -> forms.DateInput:
    """A browser date picker: it reads and writes ISO dates whatever the page's language."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class ScopedChoiceField(forms.ModelChoiceField):
    """A choice among objects a selector returned, in a write form: an id outside them (a foreign or absent
    object: only a crafted request sends one) answers 404 like every out-of-jurisdiction object. (A list's
    filter refuses such an id on its form instead: xueji.core.filters.IdField.)"""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", _("Choose…"))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as exc:
            if exc.code == "invalid_choice":
                raise NotFound(f"{self.queryset.model._meta.verbose_name} not found") from None
            raise


class OrgUnitChoiceField(ScopedChoiceField):
    def label_from_instance(self, obj) -> str:
        return org_unit_label(obj)


class SchoolClassChoiceField(ScopedChoiceField):
    def label_from_instance(self, obj) -> str:
        return class_label(obj)
