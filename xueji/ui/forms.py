"""The shell's form pieces: the GET filter form, choice fields scoped by a selector (an id outside the
user's jurisdiction answers 404), date inputs. Each app's forms live in its ui/forms.py."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.core.errors import NotFound
from xueji.core.filters import style_filter_fields


def date_input() -> forms.DateInput:
    """A browser date picker: it reads and writes ISO dates whatever the page's language."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def blank_choice(choices):
    """Prepend an 'any' option to a callable's choices (evaluated per render, so labels follow the language)."""
    return lambda: [("", _("All")), *choices()]


class ScopedChoiceField(forms.ModelChoiceField):
    """A choice among objects a selector returned. In a write form, an id outside them (a foreign or absent
    object: only a crafted request sends one) answers 404 like every out-of-jurisdiction object."""

    def __init__(self, *args, foreign_is_404: bool = True, **kwargs):
        kwargs.setdefault("empty_label", _("Choose…"))
        super().__init__(*args, **kwargs)
        self.foreign_is_404 = foreign_is_404

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as exc:
            if self.foreign_is_404 and exc.code == "invalid_choice":
                raise NotFound(f"{self.queryset.model._meta.verbose_name} not found") from None
            raise


class OrgUnitChoiceField(ScopedChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} · {obj.get_kind_display()} ({obj.code})"


class SchoolClassChoiceField(ScopedChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.school.name} · {codes.STAGE.label(obj.stage)} {obj.display_name}"


# ---------------------------------------------------------------- filters (GET)

class FilterForm(forms.Form):
    """A GET filter form; `filters()` is the dict the list selector takes. Invalid values are dropped."""

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.setup()
        style_filter_fields(self)

    def setup(self) -> None:
        """Set querysets that depend on the user."""

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        out = {}
        for name, value in self.cleaned_data.items():
            if value in (None, "", [], False):
                continue
            out[name] = value.pk if hasattr(value, "pk") else value
        return out

    @property
    def active(self) -> bool:
        return bool(self.filters())
