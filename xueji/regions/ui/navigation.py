"""Organisation units in the menu."""

from django.utils.translation import gettext_lazy as _

from xueji.schools import selectors as school_selectors
from xueji.ui.navigation import Entry, register

register(
    Entry("regions:org_list", _("Organisation units"), "bi-diagram-3", "configuration", order=30,
          # its authorities and its schools (from the counties' tallies): no COUNT over the province's schools
          where="authority", count=lambda user: school_selectors.org_unit_count(user=user),
          text=_("Education authorities and schools of your jurisdiction.")),
)
