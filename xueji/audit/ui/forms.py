"""Forms of the audit pages: input shapes only. Business rules stay in the services; choices come from
selectors, so an id outside the user's jurisdiction is simply not a valid choice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.ui.forms import FilterForm, date_input


class AuditFilterForm(FilterForm):
    action = forms.CharField(label=_("Action"), max_length=64, help_text=_("e.g. auth.login_failed or user."))
    actor = forms.CharField(label=_("User"), max_length=150)
    object = forms.CharField(label=_("Object"), max_length=128)
    ip = forms.GenericIPAddressField(label=_("IP address"))
    since = forms.DateField(label=_("From"), widget=date_input())
    until = forms.DateField(label=_("To"), widget=date_input())
    success = forms.ChoiceField(label=_("Result"),
                                choices=[("", _("All")), ("1", _("Succeeded")), ("0", _("Failed"))])
