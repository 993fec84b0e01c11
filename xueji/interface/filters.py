"""The list of API clients: one FilterSet for its page and its selector (it narrows what the selector restricted)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from xueji.core.filters import ListFilterSet
from xueji.interface.models import ApiClient

STATES = [("active", _("Active")), ("revoked", _("Revoked"))]


class ApiClientFilterSet(ListFilterSet):
    q = django_filters.CharFilter(label=_("Name"), field_name="name", lookup_expr="icontains", max_length=64)
    state = django_filters.ChoiceFilter(label=_("State"), choices=STATES, empty_label=_("All"), method="by_state")

    class Meta(ListFilterSet.Meta):
        model = ApiClient
        fields = []

    def by_state(self, queryset, name, value):
        return queryset.filter(is_active=value == "active") if value else queryset
