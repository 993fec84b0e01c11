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
