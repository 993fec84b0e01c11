"""The lists of transfers: one FilterSet, used by the page, the API list and the selector (it only narrows a
queryset the selector restricted to the user's jurisdiction)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xueji.core.filters import BoolFilter, IdFilter, ListFilterSet
from xueji.transfers.choices import DISTANCE_CHOICES, OPEN_STATES, TransferState
from xueji.transfers.models import Transfer

DIRECTIONS = [("in", _("Into my area (receiving)")), ("out", _("Out of my area (sending)"))]


class TransferFilterSet(ListFilterSet):
    """转学: the transfers in view, by state, distance, direction, school, pupil and filing date."""

    state = django_filters.ChoiceFilter(label=_("State"), choices=TransferState.choices, empty_label=_("All"))
    open = BoolFilter(label=_("Open only"), method="only_open")
    distance = django_filters.ChoiceFilter(label=_("Distance"), choices=DISTANCE_CHOICES, empty_label=_("All"))
    direction = django_filters.ChoiceFilter(label=_("Direction"), choices=DIRECTIONS, empty_label=_("All"),
                                            method="of_direction")
    school = IdFilter(label=_("School"), method="of_school", remote="api:school-choices")
    migrant = BoolFilter(label=_("Migrant children only"), method="only_migrant")
    since = django_filters.DateFilter(label=_("Filed from"), field_name="filed_at__date", lookup_expr="gte")
    until = django_filters.DateFilter(label=_("Filed until"), field_name="filed_at__date", lookup_expr="lte")
    q = django_filters.CharFilter(label=_("Name or pinyin"), method="search", max_length=64)
    student = IdFilter(field_name="student_id")

    api_only = ("student",)

    class Meta(ListFilterSet.Meta):
        model = Transfer
        fields = []

    def only_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(state__in=OPEN_STATES) if value else queryset.exclude(state__in=OPEN_STATES)

    def only_migrant(self, queryset, name, value):
        return queryset if value is None else queryset.filter(migrant=value)

    def of_school(self, queryset, name, value):
        return queryset.filter(Q(source_school_id=value) | Q(destination_school_id=value)) if value else queryset

    def of_direction(self, queryset, name, value):
        if not value or self.user is None or self.user.org_unit_id is None:
            return queryset
        path = self.user.org_unit.path
        if value == "in":
            return queryset.filter(destination_school__org_unit__path__startswith=path)
        return queryset.filter(source_school__org_unit__path__startswith=path)

    def search(self, queryset, name, value):
        q = (value or "").strip()
        if not q:
            return queryset
        # A pupil withheld from the user (a security label, selectors._withheld) is found by no name.
        if "pupil_withheld" in queryset.query.annotations:
            queryset = queryset.exclude(pupil_withheld=True)
        # The receiving side of a cross-province transfer names its pupil by the sending province's answer.
        if q.isascii() and q.replace(" ", "").isalpha():
            pinyin = q.lower().replace(" ", "")
            return queryset.filter(Q(student__name_pinyin__startswith=pinyin)
                                   | Q(pupil__name_pinyin__startswith=pinyin))
        return queryset.filter(Q(student__name__startswith=q) | Q(pupil__name__startswith=q))
