"""The import list's filters: one FilterSet used by its page, its API list and its selector."""

import django_filters
from django.utils.translation import gettext_lazy as _

from xueji.core.filters import IdFilter, ListFilterSet
from xueji.exchange.models import ImportBatch, ImportKind, ImportStatus


class ImportBatchFilterSet(ListFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ImportStatus.choices, empty_label=_("All"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ImportKind.choices, empty_label=_("All"))
    school = IdFilter(field_name="school_id")

    api_only = ("school",)

    class Meta(ListFilterSet.Meta):
        model = ImportBatch
        fields = []
