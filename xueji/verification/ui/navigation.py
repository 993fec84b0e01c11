"""The verification page in the menu (under problem records: a run files the ID errors it finds)."""

from django.utils.translation import gettext_lazy as _

from xueji.ui.navigation import Entry, register

register(
    Entry("verification:list", _("Identity verification"), "bi-fingerprint", "problems", order=20,
          text=_("Check pupils against the population register; issue national numbers.")),
)
