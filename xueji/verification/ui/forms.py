"""Forms of the verification pages: the scope of a run or an export (one's own unit or a unit right under it),
and the file of an upload (the register's answers, the register itself). Input shapes only: the rules stay in
the services."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xueji.regions.selectors import org_unit_list
from xueji.ui.forms import OrgUnitChoiceField


class ScopeForm(forms.Form):
    org_unit = OrgUnitChoiceField(label=_("Scope"), queryset=None, required=False, empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # One's own unit and the units right under it (a province: its cities; a county: its schools).
        own = user.org_unit
        field = self.fields["org_unit"]
        field.queryset = org_unit_list(user=user)  # any unit of the jurisdiction is a valid scope
        # The choices offered: one's own unit and the units right under it (a province: its cities).
        offered = field.queryset.filter(Q(pk=own.pk) | Q(parent_id=own.pk)).order_by("path")
        field.widget.choices = [(unit.pk, field.label_from_instance(unit)) for unit in offered]
        field.initial = own.pk


class FileForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("CSV, UTF-8 or GB18030"))
