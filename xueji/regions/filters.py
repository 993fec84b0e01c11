"""The organisation-unit list's filters: one FilterSet used by its page, its API list and its selector."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xueji.core.filters import IdFilter, ListFilterSet
from xueji.regions.models import OrgKind, OrgUnit


def org_unit_label(unit) -> str:
    """An organisation unit as a choice offers it: "name · kind (code)"."""
    return f"{unit.name} · {unit.get_kind_display()} ({unit.code})"


class OrgUnitFilterSet(ListFilterSet):
    q = django_filters.CharFilter(label=_("Name or code"), method="search", max_length=64)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=OrgKind.choices, empty_label=_("All"))
    parent = IdFilter(field_name="parent_id")

    api_only = ("parent",)

    class Meta(ListFilterSet.Meta):
        model = OrgUnit
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))
