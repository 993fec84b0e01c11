"""Forms of the schools pages: input shapes only. Business rules stay in the services; choices come from
selectors, so an id outside the user's jurisdiction is simply not a valid choice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.core.versions import VersionedForm
from xueji.regions.selectors import county_choices
from xueji.schools.errors import MESSAGES
from xueji.schools.selectors import school_list
from xueji.ui.forms import OrgUnitChoiceField, ScopedChoiceField

# ---------------------------------------------------------------- schools, classes, school years

STAGE_CHECKBOXES = dict(choices=codes.STAGE.choices, widget=forms.CheckboxSelectMultiple)


class SchoolCreateForm(forms.Form):
    code = forms.RegexField(label=_("School code"), regex=r"^\d{10}$", max_length=10, help_text=_("10 digits"),
                            error_messages={"invalid": MESSAGES["invalid_school_code"]})
    name = forms.CharField(label=_("Name"), max_length=128)
    county = OrgUnitChoiceField(label=_("County authority"), queryset=None)
    running_type = forms.ChoiceField(label=_("Running type"), choices=codes.RUNNING_TYPE.choices)
    stages = forms.MultipleChoiceField(label=_("Stages"), required=False, **STAGE_CHECKBOXES,
                                       help_text=_("Leave empty to use the stages of the running type."))
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = county_choices(user=user)

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["stages"] = "".join(data.get("stages") or [])
        return data


class SchoolUpdateForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=128)
    running_type = forms.ChoiceField(label=_("Running type"), choices=codes.RUNNING_TYPE.choices)
    stages = forms.MultipleChoiceField(label=_("Stages"), **STAGE_CHECKBOXES)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def values(self) -> dict:
        data = super().values()
        data["stages"] = "".join(data["stages"])
        return data


class ClassCreateForm(forms.Form):
    school = ScopedChoiceField(label=_("School"), queryset=None)
    stage = forms.ChoiceField(label=_("Stage"), choices=codes.STAGE.choices)
    cohort_year = forms.IntegerField(label=_("Cohort year"), help_text=_("The year the class entered its stage."))
    number = forms.IntegerField(label=_("Class number"))
    name = forms.CharField(label=_("Name"), max_length=64, required=False,
                           help_text=_("Optional; by default e.g. 2024级3班."))
    head_teacher = forms.CharField(label=_("Head teacher"), max_length=64, required=False)
    head_teacher_phone = forms.CharField(label=_("Head teacher phone"), max_length=32, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = school_list(user=user)


class ClassUpdateForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=64, required=False)
    head_teacher = forms.CharField(label=_("Head teacher"), max_length=64, required=False)
    head_teacher_phone = forms.CharField(label=_("Head teacher phone"), max_length=32, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)


class SchoolYearForm(forms.Form):
    start_year = forms.IntegerField(label=_("Start year"), min_value=2000, max_value=2100,
                                    help_text=_("A school year runs from 1 September to 31 August."))
    make_current = forms.BooleanField(label=_("Make it the current school year"), required=False)
