"""The registry's list filters: one FilterSet per list, used by its page, its API list and its selector."""

import re

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.core import codes
from xueji.core.fields import TAIL
from xueji.core.filters import IdFilter, ListFilterSet
from xueji.registry.models import RegStatus, Student
from xueji.schools.filters import class_label, school_label

# The visible part of a masked ID number (3410**********508X): what a role without the ID right may search by.
_DIGITS = re.compile(r"^[0-9]{3,17}[0-9Xx]$")


def split_search(text: str) -> tuple[str, str]:
    """(name part, ID part) of a search text: "张三 508X" -> ("张三", "508X"); "zs" -> ("zs", "")."""
    words = (text or "").split()
    if words and _DIGITS.match(words[-1]):
        return " ".join(words[:-1]), words[-1].upper()
    return " ".join(words), ""


class StudentFilterSet(ListFilterSet):
    """The student list (学生名单). The search text `q` is a name, a pinyin prefix or the pinyin initials (zxm for
    张小明), an ID number, a national number, or a name with the last characters of the ID ("张三 508X").

    A partial ID is never an oracle for a role without the ID right (`student.view_id`): such a role sees the last
    4 characters of every ID on the list anyway (3410**********508X), so it may search by exactly those 4, and only
    together with a name; with the right, the last 4 to 17 characters alone or with a name. A full ID matches for
    everyone, as before (it names one pupil the user may see). A national number matches whole, or by its last 6
    or more characters, except a G number (G + the resident ID) for a role without the right: whole only.
    The page keeps every search text out of its URL with a lookup token (registry/ui/search_tokens.py); the API
    refuses one with an ID part in a query string (`selectors.is_identity_query`)."""

    q = django_filters.CharFilter(label=_("Name, pinyin, ID or number"), method="search", max_length=64)
    # Searchable selects that load on demand (a province has thousands of schools): the page carries the chosen one.
    school = IdFilter(label=_("School"), field_name="school_id", shown=school_label, remote="api:school-choices")
    school_class = IdFilter(label=_("Class"), field_name="school_class_id", shown=class_label,
                            remote="api:class-choices", depends="school")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=codes.STUDENT_STATUS.choices,
                                        empty_label=_("All"))
    sex = django_filters.ChoiceFilter(label=_("Sex"), choices=codes.SEX.choices, empty_label=_("All"))
    county = IdFilter(field_name="school__county_id")
    reg_status = django_filters.ChoiceFilter(choices=RegStatus.choices)
    registration_request = IdFilter(field_name="registration_request_id")
    # The orders a list may take: each served by an index (or the class's few rows); never by ID number, nor by
    # national number (sealed at rest: its order is the ciphertext's).
    ordering = django_filters.OrderingFilter(fields=(("name_pinyin", "name"), ("birth_date", "birth_date"),
                                                     ("school_class_id", "class")))

    api_only = ("county", "reg_status", "registration_request", "ordering")

    class Meta(ListFilterSet.Meta):
        model = Student
        fields = []

    def search(self, queryset, name, value):
        return student_search(queryset, value, user=self.user)


def _full_ids(user) -> bool:
    return user is not None and has_cap(user, Cap.STUDENT_VIEW_ID)


def student_search(queryset, value: str | None, *, user):
    """The one search of pupils by text (the student list's and the registration drafts'): see StudentFilterSet."""
    q = (value or "").strip()
    if not q:
        return queryset
    words, digits = split_search(q)
    if not words:
        return queryset.filter(_by_number(q.upper(), full=_full_ids(user)))
    condition = _by_name(words)
    if digits:
        # The ID number is sealed: its ending is found through the blind index of its last four characters
        # (core.fields.TAIL), for every role; a longer ending a full-ID role types narrows to those four.
        if len(digits) >= TAIL:
            condition &= Q(id_number__endswith=digits[-TAIL:])
    return queryset.filter(condition)


def _by_name(words: str) -> Q:
    if words.isascii() and words.replace(" ", "").isalpha():
        letters = words.lower().replace(" ", "")
        return Q(name_pinyin__startswith=letters) | Q(name_initials__startswith=letters)
    return Q(name__startswith=words) | Q(national_number=words.upper())


def _by_number(text: str, *, full: bool) -> Q:
    """A text of digits (maybe a final X) or a national number: an ID, part of one, or a student number. Both
    numbers are sealed: a number's ending is found through the blind index of its last four characters (a
    longer ending narrows to those four), its kind through the letter kept in clear."""
    condition = Q(national_number=text) | Q(id_number=text)
    suffix = len(text) >= 6 and text[:1].isdigit()
    if full:
        if _DIGITS.match(text) and TAIL <= len(text) < 18:  # the last four, as above
            condition |= Q(id_number__endswith=text[-TAIL:])
        if suffix:
            condition |= Q(national_number__endswith=text[-TAIL:])
    elif suffix:
        condition |= Q(national_number__endswith=text[-TAIL:]) & ~Q(national_number__startswith="G")
    return condition
