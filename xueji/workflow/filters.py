"""The engine's list filters: requests and the inbox (待办), each one FilterSet used by its page, its API list
and its selector."""

import django_filters
from django.utils.translation import gettext_lazy as _

from xueji.core.filters import BoolFilter, ListFilterSet
from xueji.workflow.models import Request, RequestStatus, Step
from xueji.workflow.types import all_types


def request_type_choices():  # types register from their apps: read when the choices are used
    return [(t.code, t.label) for t in all_types()]


def by_title(queryset, name, value):
    """A title search: a title withheld from the user (a labelled pupil, workflow/labels.py) is not searched, so
    a name finds no request about a pupil the user may not see."""
    if not value:
        return queryset
    return queryset.filter(**{f"{name}__icontains": value}).exclude(pupil_withheld=True)


class RequestFilterSet(ListFilterSet):
    q = django_filters.CharFilter(label=_("Title"), field_name="title", method=by_title, max_length=64)
    type = django_filters.ChoiceFilter(label=_("Type"), choices=request_type_choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RequestStatus.choices, empty_label=_("All"))
    mine = BoolFilter(label=_("Filed by my unit"), method="filed_by_my_unit")

    class Meta(ListFilterSet.Meta):
        model = Request
        fields = []

    def filed_by_my_unit(self, queryset, name, value):
        return queryset.filter(filer_org=self.user.org_unit) if value and self.user is not None else queryset


class InboxFilterSet(ListFilterSet):
    q = django_filters.CharFilter(label=_("Title"), field_name="request__title", method=by_title, max_length=64)
    type = django_filters.ChoiceFilter(label=_("Type"), choices=request_type_choices, empty_label=_("All"),
                                       field_name="request__type")

    class Meta(ListFilterSet.Meta):
        model = Step
        fields = []
