"""Forms of the jobs pages: input shapes only. Business rules stay in the services; choices come from
selectors, so an id outside the user's jurisdiction is simply not a valid choice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.jobs.models import JobStatus
from xueji.ui.forms import FilterForm


class JobFilterForm(FilterForm):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *JobStatus.choices])
    mine = forms.BooleanField(label=_("Started by me"))
