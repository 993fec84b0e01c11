"""Forms of the registration pages: input shapes only. Business rules stay in the services; choices come from
selectors, so an id outside the user's jurisdiction is simply not a valid choice."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.registration.errors import MESSAGES
from xueji.schools.selectors import class_list
from xueji.ui.forms import SchoolClassChoiceField, date_input

# ---------------------------------------------------------------- registration

def _kind_choices():
    return [("enrolled", _("Pupils already at school (在校生注册)")), ("grade1", _("Grade-1 entrants (小学新生注册)")),
            ("returning", _("Returning from abroad (来华归国学生注册)"))]


class RegistrationSubmitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Registration"), choices=_kind_choices)
    student_ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)
    everything = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student_ids"].valid_value = lambda value: str(value).isdigit()


class IdNumberForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=18, min_length=15,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "class": "font-monospace"}))


class ReturningSearchForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=32, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    name = forms.CharField(label=_("Full name"), max_length=64, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=lambda: [("", "—"), *codes.SEX.choices()], required=False)
    birth_date = forms.DateField(label=_("Date of birth"), required=False,
                                 widget=date_input())

    def clean(self):
        data = super().clean()
        if not data.get("id_number") and not (data.get("name") and data.get("sex") and data.get("birth_date")):
            raise ValidationError(MESSAGES["search_terms"])
        return data


class TakeoverForm(forms.Form):
    student = forms.IntegerField(widget=forms.HiddenInput)
    school_class = SchoolClassChoiceField(label=_("Into class"), queryset=None)
    id_number = forms.CharField(max_length=32, required=False, widget=forms.HiddenInput)
    name = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    birth_date = forms.DateField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = class_list(user=user).filter(is_active=True).select_related("school")
