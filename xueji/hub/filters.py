"""The boxes' lists: one FilterSet each, used by its page, its API list and its selector (they only narrow a
queryset the selector restricted to the user's jurisdiction)."""

import django_filters
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from xueji.core.filters import BoolFilter, ListFilterSet
from xueji.hub.choices import InboxState, OutboxState
from xueji.hub.models import InboxMessage, OutboxMessage

_PROVINCE = RegexValidator(r"^[1-9][0-9]0000$", _("A province code: 6 digits ending in 0000."))


class _MessageFilterSet(ListFilterSet):
    peer = django_filters.CharFilter(label=_("Other province (code)"), max_length=6, validators=[_PROVINCE])
    kind = django_filters.CharFilter(label=_("Kind"), max_length=64)
    subject = django_filters.CharFilter(label=_("Subject (national number)"), max_length=64)
    failing = BoolFilter(label=_("With an error"), method="with_error")

    def with_error(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(error_code="") if value else queryset.filter(error_code="")


class OutboxFilterSet(_MessageFilterSet):
    """发件箱: the messages this province sent or will send."""

    state = django_filters.ChoiceFilter(label=_("State"), choices=OutboxState.choices, empty_label=_("All"))
    since = django_filters.DateFilter(label=_("Created from"), field_name="created_at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("Created until"), field_name="created_at", lookup_expr="date__lte")

    class Meta(ListFilterSet.Meta):
        model = OutboxMessage
        fields = []


class InboxFilterSet(_MessageFilterSet):
    """收件箱: the messages this province received."""

    state = django_filters.ChoiceFilter(label=_("State"), choices=InboxState.choices, empty_label=_("All"))
    since = django_filters.DateFilter(label=_("Received from"), field_name="received_at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("Received until"), field_name="received_at", lookup_expr="date__lte")

    class Meta(ListFilterSet.Meta):
        model = InboxMessage
        fields = []
