"""Forms of the pupil page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.core.labels import SecurityLabel


class SecurityLabelForm(forms.Form):
    """安全标记: the label and the reason the audit keeps with it."""

    label = forms.ChoiceField(label=_("Security label"), choices=SecurityLabel.choices,
                              widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    reason = forms.CharField(label=_("Reason"), max_length=255,
                             widget=forms.TextInput(attrs={"class": "form-control form-control-sm",
                                                           "placeholder": _("e.g. disability, sealed record")}))
