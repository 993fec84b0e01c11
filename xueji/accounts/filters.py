"""The account lists' filters: one FilterSet per list, used by its page, its API list and its selector."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role, User
from xueji.core.filters import BoolFilter, IdFilter, ListFilterSet


def _yes_no_select() -> forms.Select:
    return forms.Select(choices=[("", _("All")), ("1", _("Yes")), ("0", _("No"))])


def _search(queryset, name, value):
    return queryset.filter(Q(username__icontains=value) | Q(full_name__icontains=value))


class UserFilterSet(ListFilterSet):
    """The accounts a system administrator manages."""

    q = django_filters.CharFilter(label=_("Username or name"), method=_search, max_length=64)
    org_unit = IdFilter(field_name="org_unit_id")
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices, empty_label=_("All"),
                                       field_name="role_assignments__role")
    is_active = BoolFilter(label=_("Active"), widget=_yes_no_select())

    api_only = ("org_unit",)

    class Meta(ListFilterSet.Meta):
        model = User
        fields = []


class AuditorFilterSet(ListFilterSet):
    """The auditor accounts of the levels below (the API's list)."""

    q = django_filters.CharFilter(method=_search, max_length=64)
    org_unit = IdFilter(field_name="org_unit_id")
    is_active = BoolFilter()

    class Meta(ListFilterSet.Meta):
        model = User
        fields = []
