"""Background jobs in the menu."""

from django.utils.translation import gettext_lazy as _

from xueji.ui.navigation import Entry, register

register(
    Entry("jobs:job_list", _("Jobs"), "bi-hourglass-split", "operations", order=20,
          text=_("Exports and other long work running in the background.")),
)
