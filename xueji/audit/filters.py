"""The audit log's filters: one FilterSet used by its page, its API list and its selector."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xueji.audit.models import AuditEvent
from xueji.core.filters import BoolFilter, ListFilterSet


def _date_input() -> forms.DateInput:
    """A browser date picker: it reads and writes ISO dates whatever the page's language."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _result_select() -> forms.Select:
    return forms.Select(choices=[("", _("All")), ("1", _("Succeeded")), ("0", _("Failed"))])


class IpFilter(django_filters.Filter):
    field_class = forms.GenericIPAddressField


class AuditEventFilterSet(ListFilterSet):
    action = django_filters.CharFilter(label=_("Action"), lookup_expr="startswith", max_length=64,
                                       help_text=_("e.g. auth.login_failed or user."))
    actor = django_filters.CharFilter(label=_("User"), field_name="actor_username", lookup_expr="icontains",
                                      max_length=150)
    object = django_filters.CharFilter(label=_("Object"), method="about_object", max_length=128)
    ip = IpFilter(label=_("IP address"))
    since = django_filters.DateFilter(label=_("From"), field_name="created_at", lookup_expr="date__gte",
                                      widget=_date_input())
    until = django_filters.DateFilter(label=_("To"), field_name="created_at", lookup_expr="date__lte",
                                      widget=_date_input())
    success = BoolFilter(label=_("Result"), widget=_result_select())

    class Meta(ListFilterSet.Meta):
        model = AuditEvent
        fields = []

    def about_object(self, queryset, name, value):
        return queryset.filter(Q(object_repr__icontains=value) | Q(object_id=value))
