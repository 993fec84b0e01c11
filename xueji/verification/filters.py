"""The verification batch list's filters: one FilterSet used by its API list and its selector."""

import django_filters
from django.utils.translation import gettext_lazy as _

from xueji.core.filters import ListFilterSet
from xueji.verification.choices import BatchMode, BatchStatus
from xueji.verification.models import VerificationBatch


class BatchFilterSet(ListFilterSet):
    mode = django_filters.ChoiceFilter(label=_("Mode"), choices=BatchMode.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=BatchStatus.choices, empty_label=_("All"))

    class Meta(ListFilterSet.Meta):
        model = VerificationBatch
        fields = []
