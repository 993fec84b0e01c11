"""The lists of admission: one FilterSet per list, used by its page, its API list and its selector (they only narrow
a queryset the selector restricted to the user's jurisdiction)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from xueji.admissions.choices import AdmissionStatus
from xueji.admissions.models import Admission, AdmissionPlan
from xueji.core import codes
from xueji.core.filters import IdFilter, IntFilter, ListFilterSet


class PlanFilterSet(ListFilterSet):
    """招生计划: the plans of the schools in view."""

    year = IntFilter(label=_("Year"), field_name="year")
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=lambda: codes.STAGE.choices(), empty_label=_("All"))
    school = IdFilter(label=_("School"), field_name="school_id")
    q = django_filters.CharFilter(label=_("School name or code"), method="search", max_length=64)

    class Meta(ListFilterSet.Meta):
        model = AdmissionPlan
        fields = []

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(school__code__startswith=value) if value.isdigit() else queryset.filter(
            school__name__contains=value)


class AdmissionFilterSet(ListFilterSet):
    """录取名单: the admissions of the schools in view (held ones: the duplicate admissions)."""

    year = IntFilter(label=_("Year"), field_name="year")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=AdmissionStatus.choices, empty_label=_("All"))
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=lambda: codes.STAGE.choices(), empty_label=_("All"))
    school = IdFilter(label=_("School"), field_name="school_id")
    batch = IdFilter(field_name="batch_id")
    q = django_filters.CharFilter(label=_("Name"), field_name="name", lookup_expr="startswith", max_length=64)

    api_only = ("batch",)

    class Meta(ListFilterSet.Meta):
        model = Admission
        fields = []
