"""Organisation units in the menu."""

from django.utils.translation import gettext_lazy as _

from xueji.regions import selectors
from xueji.ui.navigation import Entry, register

register(
    Entry("regions:org_list", _("Organisation units"), "bi-diagram-3", "configuration", order=30,
          where="authority", count=lambda user: selectors.org_unit_list(user=user).count(),
          text=_("Education authorities and schools of your jurisdiction.")),
)
