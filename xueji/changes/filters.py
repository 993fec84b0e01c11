"""The lists of record maintenance and status changes: one FilterSet per list, used by its page, its API list and
its selector (they only narrow a queryset the selector restricted to the user's jurisdiction)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xueji.changes.choices import KIND_CHOICES, RECORD_TYPE, STATUS_TYPE
from xueji.changes.models import StatusChange
from xueji.core import codes
from xueji.core.filters import IdFilter, ListFilterSet
from xueji.registry.models import Student
from xueji.workflow.filters import by_title
from xueji.workflow.models import Request, RequestStatus


def _what_choices():
    return [(RECORD_TYPE, _("Record change")), *KIND_CHOICES]


class ChangeRequestFilterSet(ListFilterSet):
    """变更与异动申请: the record-change and status-change requests in view."""

    what = django_filters.ChoiceFilter(label=_("Kind of change"), choices=_what_choices, empty_label=_("All"),
                                       method="of_kind")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RequestStatus.choices, empty_label=_("All"))
    q = django_filters.CharFilter(label=_("Title"), field_name="title", method=by_title, max_length=64)

    class Meta(ListFilterSet.Meta):
        model = Request
        fields = []

    def of_kind(self, queryset, name, value):
        if value == RECORD_TYPE:
            return queryset.filter(type=RECORD_TYPE)
        return queryset.filter(type=STATUS_TYPE, payload__kind=value)


class StatusChangeFilterSet(ListFilterSet):
    """学籍异动记录: the status changes that took effect."""

    kind = django_filters.ChoiceFilter(label=_("Kind of change"), choices=KIND_CHOICES, empty_label=_("All"))
    type_code = django_filters.ChoiceFilter(label=_("JY/T 1001 type"), choices=codes.STATUS_CHANGE_TYPE.choices,
                                            empty_label=_("All"))
    school = IdFilter(label=_("School"), field_name="school_id")
    since = django_filters.DateFilter(label=_("Effective from"), field_name="effective_date", lookup_expr="gte")
    until = django_filters.DateFilter(label=_("Effective until"), field_name="effective_date", lookup_expr="lte")
    q = django_filters.CharFilter(label=_("Name or pinyin"), method="search", max_length=64)
    county = IdFilter(field_name="school__county_id")
    student = IdFilter(field_name="student_id")

    api_only = ("county", "student")

    class Meta(ListFilterSet.Meta):
        model = StatusChange
        fields = []

    def search(self, queryset, name, value):
        return _name_search(queryset, value, "student__")


class DropoutFilterSet(ListFilterSet):
    """控辍保学: pupils of compulsory education who dropped out, in the jurisdiction."""

    county = IdFilter(label=_("County authority"), field_name="school__county_id")
    school = IdFilter(label=_("School"), field_name="school_id")
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=lambda: codes.STAGE.choices()[:2],
                                        field_name="school_class__stage", empty_label=_("All"))
    q = django_filters.CharFilter(label=_("Name or pinyin"), method="search", max_length=64)

    class Meta(ListFilterSet.Meta):
        model = Student
        fields = []

    def search(self, queryset, name, value):
        return _name_search(queryset, value, "")


def _name_search(queryset, value, prefix: str):
    q = (value or "").strip()
    if not q:
        return queryset
    if q.isascii() and q.replace(" ", "").isalpha():
        return queryset.filter(**{f"{prefix}name_pinyin__startswith": q.lower().replace(" ", "")})
    return queryset.filter(Q(**{f"{prefix}name__startswith": q}))
