"""The job list's filters: one FilterSet used by its page, its API list and its selector."""

import django_filters
from django.utils.translation import gettext_lazy as _

from xueji.core.filters import BoolFilter, ListFilterSet
from xueji.jobs.models import Job, JobStatus


class JobFilterSet(ListFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=JobStatus.choices, empty_label=_("All"))
    mine = BoolFilter(label=_("Started by me"), method="started_by_me")
    kind = django_filters.CharFilter(max_length=64)

    api_only = ("kind",)

    class Meta(ListFilterSet.Meta):
        model = Job
        fields = []

    def started_by_me(self, queryset, name, value):
        return queryset.filter(created_by=self.user) if value and self.user is not None else queryset
