"""Forms of the admission pages: they carry input only; the rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.schools.selectors import current_school_year_start


def _year_field():
    return forms.IntegerField(label=_("Year (entering cohort)"), min_value=2000, max_value=2100,
                              initial=current_school_year_start)


class PlanForm(forms.Form):
    school = forms.ModelChoiceField(label=_("School"), queryset=None)
    stage = forms.ChoiceField(label=_("Stage"), choices=())
    year = _year_field()
    quota = forms.IntegerField(label=_("Places"), min_value=0)
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["school"].label_from_instance = lambda s: f"{s.code} {s.name}"
        self.fields["stage"].choices = codes.STAGE.choices()


class PlanChangeForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=())
    year = _year_field()
    quota = forms.IntegerField(label=_("Places asked for"), min_value=0)
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, stages: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(s, codes.STAGE.label(s)) for s in stages]


class UploadForm(forms.Form):
    year = _year_field()
    file = forms.FileField(label=_("Admission-results file (.xlsx or .csv, from the template)"))


class ApplyForm(forms.Form):
    year = _year_field()


class CatchmentForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=())
    area = forms.CharField(label=_("Area (addresses beginning with)"), max_length=128)
    school = forms.ModelChoiceField(label=_("School"), queryset=None)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["school"].label_from_instance = lambda s: f"{s.code} {s.name}"
        self.fields["stage"].choices = codes.STAGE.choices()[:2]


class CatchmentRunForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=())
    year = _year_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = codes.STAGE.choices()[:2]


class EntryForm(forms.Form):
    """毕业后跨省就学: the pupil by national number; its identity only for a pupil the graduating province does not
    know by number (the service says when)."""

    province = forms.ChoiceField(label=_("Province the pupil graduated in"), choices=())
    national_number = forms.CharField(label=_("National student number"), required=False, max_length=24)
    school_class = forms.ModelChoiceField(label=_("Class the pupil joins"), queryset=None)
    name = forms.CharField(label=_("Name"), required=False, max_length=64,
                           help_text=_("Name, sex, date of birth and ID number: only for a pupil the graduating "
                                       "province does not know by national student number."))
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=())
    birth_date = forms.DateField(label=_("Date of birth"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=32)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=255)

    def __init__(self, *args, provinces, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", "—"), *provinces]
        self.fields["school_class"].queryset = classes
        self.fields["school_class"].label_from_instance = lambda c: c.display_name
        self.fields["sex"].choices = [("", "—"), *codes.SEX.choices()]
