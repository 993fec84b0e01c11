"""Forms of the problem-record pages: the scan, the schools' actions and the arbiter's choice, and the
national-number lookup. The list's filters are its FilterSet (problems/filters.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.ui.forms import MaskedIdsMixin, date_input
from xueji.verification.ui.forms import ScopeForm


class ScanForm(ScopeForm):
    kind = forms.ChoiceField(label=_("Scan"), choices=lambda: [("duplicates", _("Duplicate records (查重)")),
                                                             ("errors", _("ID errors"))])


class MemberField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(coerce=int, label=_("Record"), **kwargs)


class ProblemCorrectForm(MaskedIdsMixin, forms.Form):
    """The corrected identity items of one record. The ID number opens masked and empty (control 29): left empty, the
    record's number is kept (the view fills it in); typed in full, it is the corrected one."""

    member = MemberField()
    name = forms.CharField(label=_("Full name"), max_length=64)
    sex = forms.ChoiceField(label=_("Sex"), choices=lambda: codes.SEX.choices())
    birth_date = forms.DateField(label=_("Date of birth"), widget=date_input())
    id_type = forms.ChoiceField(label=_("ID document type"), choices=lambda: codes.ID_DOC_TYPE.choices())
    id_number = forms.CharField(label=_("ID number"), max_length=32, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "class": "font-monospace"}))
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = members
        self.mask_ids()


class ProblemDeleteForm(forms.Form):
    member = MemberField()
    reason = forms.CharField(label=_("Reason for deleting the record"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = members


class ProblemConfirmForm(forms.Form):
    member = MemberField()
    file = forms.FileField(label=_("Household register proof"),
                           help_text=_("JPG, PNG or PDF of the household register page (户口簿)."))
    reason = forms.CharField(label=_("Note"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = members


class ArbitrationForm(forms.Form):
    keep_member = forms.TypedChoiceField(coerce=int, label=_("Record that keeps the ID number"),
                                         widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep_member"].choices = members


class NumberLookupForm(forms.Form):
    number = forms.CharField(label=_("National student number"), max_length=24,
                             help_text=_("Any number the record ever held: G, J or L; current or superseded."),
                             widget=forms.TextInput(attrs={"autocomplete": "off", "class": "font-monospace",
                                                           "autofocus": True}))
