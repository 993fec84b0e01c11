"""Policy pages in the menu: business windows, approval routes, function settings."""

from django.utils.translation import gettext_lazy as _

from xueji.accounts.permissions import Cap
from xueji.ui.navigation import Entry, register

register(
    Entry("policy:window_list", _("Business windows"), "bi-calendar-range", "configuration", order=50,
          narrowed_to=Cap.REQUEST_VIEW,
          text=_("When each registration is open in the province.")),
    Entry("policy:route_list", _("Approval routes"), "bi-signpost-split", "configuration", order=60,
          narrowed_to=Cap.POLICY_MANAGE,
          text=_("Who approves each kind of request, in order.")),
    Entry("policy:setting_list", _("Function settings"), "bi-toggles", "configuration", order=70,
          narrowed_to=Cap.POLICY_MANAGE,
          text=_("Grade-1 entry age control, upload limits.")),
)
