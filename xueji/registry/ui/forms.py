"""Forms of the registry pages: input shapes only. Business rules stay in the services; choices come from
selectors, so an id outside the user's jurisdiction is simply not a valid choice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.schools.selectors import class_list, school_list
from xueji.ui.forms import FilterForm, SchoolClassChoiceField, ScopedChoiceField, blank_choice


class StudentFilterForm(FilterForm):
    q = forms.CharField(label=_("Name, pinyin, ID or number"), max_length=64)
    school = ScopedChoiceField(label=_("School"), queryset=None, foreign_is_404=False)
    school_class = SchoolClassChoiceField(label=_("Class"), queryset=None, foreign_is_404=False)
    status = forms.ChoiceField(label=_("Status"), choices=blank_choice(codes.STUDENT_STATUS.choices))
    sex = forms.ChoiceField(label=_("Sex"), choices=blank_choice(codes.SEX.choices))

    def setup(self):
        schools = school_list(user=self.user)
        self.fields["school"].queryset = schools
        # Classes of the chosen school only (an authority's whole list would be thousands of options).
        school_id = self.data.get("school") if self.is_bound else None
        if not school_id and self.user.org_unit.is_school:
            classes = class_list(user=self.user)
        elif school_id and str(school_id).isdigit():
            classes = class_list(user=self.user, filters={"school": int(school_id)})
        else:
            classes = class_list(user=self.user).none()
        self.fields["school_class"].queryset = classes.select_related("school")
