"""The messages between provinces in the menu (运维与支持), for the province's system administrator."""

from django.utils.translation import gettext_lazy as _

from xueji.hub import selectors
from xueji.ui.navigation import Entry, register

register(
    Entry("hub:inbox", _("Inter-province messages"), "bi-mailbox", "operations", order=30, where="authority",
          key="hub_messages", count=lambda user: selectors.waiting_count(user=user),
          text=_("Messages to and from other provinces (cross-province transfers): delivery, order, errors. "
                 "Waiting:")),
)
