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


class MaskedIdsMixin:
    """An edit form never shows a stored ID number in full (control 29: full numbers only through the unmask action,
    with a reason, audited). Each ID field of a stored record opens empty, the masked number as its placeholder;
    left empty it keeps the stored number, a number typed in replaces it (re-entry: the editor types the full
    number it holds from the document, so no page sends one out). Call `mask_ids()` once the fields exist and
    `restore_ids(data)` first thing in clean()."""

    def mask_ids(self) -> None:
        from xueji.core.idnumbers import mask

        self.kept_ids: dict[str, str] = {}
        for name, field in self.fields.items():
            if not _is_id_field(name):
                continue
            stored = str(self.initial.get(name) or "")
            self.initial[name] = ""
            if stored:
                self.kept_ids[name] = stored
                field.widget.attrs["placeholder"] = mask(stored)
                field.help_text = _("Leave empty to keep the number on record; type the full number to change it.")

    def restore_ids(self, data: dict) -> dict:
        for name, stored in getattr(self, "kept_ids", {}).items():
            if name not in self.errors and not (data.get(name) or "").strip():
                data[name] = stored
        return data


def _is_id_field(name: str) -> bool:
    from xueji.registry.presenters import kind_of

    return kind_of(name) == "id"
