"""Forms of the regions pages: input shapes only. Business rules stay in the services; choices come from
selectors, so an id outside the user's jurisdiction is simply not a valid choice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.regions.models import OrgKind
from xueji.ui.forms import FilterForm


class OrgUnitFilterForm(FilterForm):
    q = forms.CharField(label=_("Name or code"), max_length=64)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All")), *OrgKind.choices])
