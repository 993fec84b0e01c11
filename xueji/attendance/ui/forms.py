"""Forms of the attendance pages: the import file, a case's follow-up, the left-behind entry, the monthly report's
manual items and month, a misuse report and its handling."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.attendance.choices import MANUAL_ITEMS, FollowUpKind


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Absence file (.xlsx or .csv)"))


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(label=_("Follow-up"), choices=FollowUpKind.choices)
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                           max_length=5000)


class LeftBehindForm(forms.Form):
    term = forms.CharField(label=_("Term"), max_length=6, help_text=_("2026-1: autumn term, 2026-2: spring term"))
    guardian_name = forms.CharField(label=_("Guardian"), max_length=64)
    guardian_relation = forms.CharField(label=_("Relation"), max_length=32, required=False)
    guardian_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    parents_away = forms.CharField(label=_("Where the parents work"), max_length=128, required=False)
    care_measures = forms.CharField(label=_("Care measures"), widget=forms.Textarea(attrs={"rows": 3}),
                                    required=False, max_length=5000)


class MonthForm(forms.Form):
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m", "%Y-%m-%d"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))


class ManualForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label, kind in MANUAL_ITEMS:
            self.fields[key] = (forms.IntegerField(label=label, min_value=0, required=False) if kind == "int"
                                else forms.CharField(label=label, required=False, max_length=2000,
                                                     widget=forms.Textarea(attrs={"rows": 2})))


class MisuseForm(forms.Form):
    about_unit = forms.ChoiceField(label=_("Unit concerned"))
    text = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["about_unit"].choices = [("", "—")] + [(str(u.pk), f"{u.code} {u.name}") for u in units]


class HandleForm(forms.Form):
    note = forms.CharField(label=_("How it was handled"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=10000)
