"""The registry's list filters: one FilterSet per list, used by its page, its API list and its selector."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.core.filters import IdFilter, ListFilterSet
from xueji.registry.models import RegStatus, Student


def class_label(klass) -> str:
    """A class as a filter offers it: "school · stage class"."""
    return f"{klass.school.name} · {codes.STAGE.label(klass.stage)} {klass.display_name}"


def student_search(queryset, name, value):
    """The one search of pupils by text: a name, a pinyin prefix, an ID number or a national number (a
    FilterSet's `method`, shared by the student list and the registration drafts)."""
    q = (value or "").strip()
    if not q:
        return queryset
    if q.isascii() and q.replace(" ", "").isalpha():
        return queryset.filter(name_pinyin__startswith=q.lower().replace(" ", ""))
    if len(q) >= 6 and q[:6].isdigit():
        return queryset.filter(Q(id_number=q.upper()) | Q(national_number__endswith=q.upper()))
    return queryset.filter(Q(name__startswith=q) | Q(national_number=q.upper()))


class StudentFilterSet(ListFilterSet):
    """The student list (学生名单). The search text `q` is a name, a pinyin prefix, an ID number or a national
    number; the page keeps an ID out of its URL with a lookup token (registry/ui/search_tokens.py)."""

    q = django_filters.CharFilter(label=_("Name, pinyin, ID or number"), method=student_search, max_length=64)
    school = IdFilter(label=_("School"), field_name="school_id")
    school_class = IdFilter(label=_("Class"), field_name="school_class_id", shown=class_label)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=codes.STUDENT_STATUS.choices,
                                        empty_label=_("All"))
    sex = django_filters.ChoiceFilter(label=_("Sex"), choices=codes.SEX.choices, empty_label=_("All"))
    county = IdFilter(field_name="school__county_id")
    reg_status = django_filters.ChoiceFilter(choices=RegStatus.choices)
    registration_request = IdFilter(field_name="registration_request_id")

    api_only = ("county", "reg_status", "registration_request")

    class Meta(ListFilterSet.Meta):
        model = Student
        fields = []
