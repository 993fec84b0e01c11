"""The problem-record list's filters (问题学籍): one FilterSet used by its page, its API list and its selector."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from xueji.accounts.jurisdiction import restrict
from xueji.core.filters import IdFilter, ListFilterSet
from xueji.problems.choices import SOURCE_LABELS, ProblemKind, ProblemStatus
from xueji.problems.models import Problem, ProblemMember
from xueji.regions.filters import org_unit_label
from xueji.schools.filters import school_label


def status_choices():
    """The statuses a list is filtered by: the stored ones, "pending" (a member's request awaits decision) and
    "unresolved" (all but resolved, the page's default)."""
    return [("unresolved", _("Unresolved")), ("open", _("Awaiting action")), ("pending", _("Awaiting approval")),
            ("arbitration", _("Under arbitration")), ("resolved", _("Resolved"))]


STATUS_FILTERS = tuple(value for value, _label in status_choices())


def _source_choices():
    return list(SOURCE_LABELS.items())


class ProblemFilterSet(ListFilterSet):
    """The problems of the jurisdiction by kind, status, county and school (a county's list: `county`). The
    queryset carries the `pending` annotation (selectors.problem_list). County and school match a record of the
    problem inside the user's jurisdiction, so a foreign id finds nothing even where a duplicate has a record
    there; a school's page offers neither."""

    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ProblemKind.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=status_choices, empty_label=_("All"),
                                         method="by_status")
    county = IdFilter(label=_("County authority"), method="by_member", shown=org_unit_label)
    school = IdFilter(label=_("School"), method="by_member", shown=school_label, remote="api:school-choices")
    source = django_filters.ChoiceFilter(choices=_source_choices)

    api_only = ("source",)
    _member_lookups = {"county": "county_org_id", "school": "school_org__school__pk"}

    class Meta(ListFilterSet.Meta):
        model = Problem
        fields = []

    def __init__(self, *args, page: bool = False, **kwargs):
        super().__init__(*args, page=page, **kwargs)
        if page and self.user is not None and self.user.org_unit.is_school:  # its own problems only
            for name in ("county", "school"):
                self.form.fields.pop(name, None)

    def by_status(self, queryset, name, value):
        if value == "pending":
            return queryset.filter(status=ProblemStatus.OPEN, pending=True)
        if value == "open":
            return queryset.filter(status=ProblemStatus.OPEN, pending=False)
        if value == "unresolved":
            return queryset.exclude(status=ProblemStatus.RESOLVED)
        return queryset.filter(status=value)

    def by_member(self, queryset, name, value):
        members = restrict(ProblemMember, self.user) if self.user is not None else ProblemMember.objects.none()
        return queryset.filter(Exists(members.filter(problem=OuterRef("pk"), **{self._member_lookups[name]: value})))
