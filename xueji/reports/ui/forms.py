from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.reports.choices import Programme


class StatisticsForm(forms.Form):
    stat_date = forms.DateField(label=_("Statistics date"), widget=forms.DateInput(attrs={"type": "date"}))
    file = forms.FileField(label=_("Statistics return (xlsx or CSV: 学校代码, 年级, 性别, 人数)"))


class RuleForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=codes.choices_of("STAGE"))
    programme = forms.ChoiceField(label=_("Programme"), choices=Programme.choices)
    amount = forms.DecimalField(label=_("Per-pupil amount (yuan)"), max_digits=10, decimal_places=2)
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class AllocationForm(forms.Form):
    at_date = forms.DateField(label=_("Enrolment date"), widget=forms.DateInput(attrs={"type": "date"}))
