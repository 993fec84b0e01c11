"""Transfers in the menu (学籍日常管理) and on the workbench: the transfers waiting for the user (counted from the
engine's one grouped count of the inbox: the steps of the receiving side's transfers, of a sending province's
release (跨省转出) and of cancellations (跨省转学撤销), no query of its own), all transfers in view,
and, for a school's registrar, filing one (the finder)."""

from django.utils.translation import gettext_lazy as _

from xueji.transfers.choices import CANCELLATION_TYPE, RELEASE_TYPE, TRANSFER_TYPE
from xueji.ui.navigation import Entry, register

WAITING = tuple(f"steps:{code}" for code in (TRANSFER_TYPE, RELEASE_TYPE, CANCELLATION_TYPE))

register(
    Entry("transfers:transfer_inbox", _("Transfers"), "bi-box-arrow-in-right", "records", order=40, waiting=WAITING,
          key="transfers", text=_("转学: the transfers waiting for your decision, and every transfer into or out of "
                                  "your area with who holds it now.")),
    Entry("transfers:transfer_find", _("File a transfer"), "bi-person-plus", "records", order=41, where="school",
          text=_("转学申请: find a pupil of another school exactly and file its transfer to your school.")),
)
