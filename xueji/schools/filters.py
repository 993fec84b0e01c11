"""The schools app's list filters: one FilterSet per list, used by its page, its API list and its selector."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.core.db.grams import has_text
from xueji.core.filters import IdFilter, IntFilter, ListFilterSet
from xueji.regions.filters import org_unit_label
from xueji.schools.models import School, SchoolClass


def school_label(school) -> str:
    """A school as a filter offers it: "name (code)"."""
    return f"{school.name} ({school.code})"


def class_label(klass) -> str:
    """A class as a filter offers it: "school · stage class"."""
    return f"{klass.school.name} · {codes.STAGE.label(klass.stage)} {klass.display_name}"


class SchoolFilterSet(ListFilterSet):
    """The school list: by name or code, county authority, running type, stage."""

    q = django_filters.CharFilter(label=_("Name or code"), method="search", max_length=64)
    county = IdFilter(label=_("County authority"), field_name="county_id", shown=org_unit_label)
    running_type = django_filters.ChoiceFilter(label=_("Running type"), choices=codes.RUNNING_TYPE.choices,
                                               empty_label=_("All"))
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=codes.STAGE.choices, empty_label=_("All"),
                                        field_name="stages", lookup_expr="contains")

    class Meta(ListFilterSet.Meta):
        model = School
        fields = []

    def search(self, queryset, name, value):
        """Any part of the name (its grams: an index serves it, core/db/grams.py) or, for digits, the beginning of
        the code (ten digits: a text with anything else is no code's beginning)."""
        if not value:
            return queryset
        found = has_text("name_grams", "name", value)
        return queryset.filter(Q(code__startswith=value) | found if value.isdigit() else found)


class ClassFilterSet(ListFilterSet):
    """The class list: by school, stage, cohort year (入学年份)."""

    school = IdFilter(label=_("School"), field_name="school_id", shown=school_label, remote="api:school-choices")
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=codes.STAGE.choices, empty_label=_("All"))
    cohort_year = IntFilter(label=_("Cohort year"), min_value=1990, max_value=2100)

    class Meta(ListFilterSet.Meta):
        model = SchoolClass
        fields = []
