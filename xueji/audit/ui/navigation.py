"""The audit log in the menu."""

from django.utils.translation import gettext_lazy as _

from xueji.audit import selectors
from xueji.core import clock
from xueji.ui.navigation import Entry, register

register(
    Entry("audit:audit_list", _("Audit log"), "bi-shield-check", "operations", order=10,
          count=lambda user: selectors.audit_event_list(user=user, filters={"since": clock.today()}).count(),
          text=_("Security events of your jurisdiction: logins, changes, exports. Today:")),
    Entry("audit:audit_chain", _("Audit chain"), "bi-link-45deg", "operations", order=11),
    Entry("audit:audit_evidence", _("Compliance evidence"), "bi-clipboard-data", "operations", order=12),
)
