"""Organisation units in the menu."""

from django.utils.translation import gettext_lazy as _

from xueji.regions import selectors
from xueji.schools import selectors as school_selectors
from xueji.ui.navigation import Entry, register


def _org_unit_count(user) -> int:
    """The authority's org units: its authorities counted (a few hundred in a province) and its schools, one org
    unit each, from its counties' tallies (schools/tallies.py): no COUNT over the province's schools."""
    return selectors.authority_list(user=user).order_by().count() + school_selectors.school_count(user=user)


register(
    Entry("regions:org_list", _("Organisation units"), "bi-diagram-3", "configuration", order=30,
          where="authority", count=_org_unit_count,
          text=_("Education authorities and schools of your jurisdiction.")),
)
