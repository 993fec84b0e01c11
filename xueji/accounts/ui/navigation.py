"""Account pages in the menu."""

from django.utils.translation import gettext_lazy as _

from xueji.accounts import selectors
from xueji.ui.navigation import Entry, register

register(
    Entry("accounts:user_list", _("User accounts"), "bi-person-gear", "configuration", order=80,
          count=lambda user: selectors.user_list(user=user).count(),
          text=_("Create accounts, assign roles, reset passwords.")),
    Entry("accounts:security_user_list", _("Account security"), "bi-shield-lock", "configuration", order=85,
          text=_("Unlock accounts and reset second factors.")),
    Entry("accounts:alert_list", _("Intrusion alerts"), "bi-exclamation-octagon", "configuration", order=86,
          count=lambda user: selectors.alert_open_count(user=user),
          text=_("Open alerts of credential stuffing, shared accounts, export bursts, night reads and 404 scans.")),
    Entry("accounts:security_loan_list", _("Password loans to decide"), "bi-person-fill-lock", "configuration",
          order=87),
    Entry("accounts:auditor_list", _("Auditor accounts"), "bi-person-badge", "configuration", order=90),
)
