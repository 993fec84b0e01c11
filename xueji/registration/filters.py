"""The registration app's list filters: the drafts to register (待注册), one FilterSet used by its page, the
bulk submission of everything the filter shows, and its selector."""

import django_filters
from django.utils.translation import gettext_lazy as _

from xueji.core.filters import IdFilter, ListFilterSet
from xueji.registry.filters import class_label, student_search
from xueji.registry.models import Student


class DraftFilterSet(ListFilterSet):
    """The drafts: by name, pinyin or ID (the student list's one search) and by class. The page keeps an ID out
    of its URL with the student list's lookup token (registry/ui/search_tokens.py)."""

    q = django_filters.CharFilter(label=_("Name, pinyin or ID"), method="search", max_length=64)
    school_class = IdFilter(label=_("Class"), field_name="school_class_id", shown=class_label)

    class Meta(ListFilterSet.Meta):
        model = Student
        fields = []

    def search(self, queryset, name, value):
        return student_search(queryset, value, user=self.user)
