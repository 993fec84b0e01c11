"""Policy pages in the menu (系统配置): business windows, controlled record items, class-size caps, function
switches, approval routes, limits. Each page reads its capability from its view (POLICY_VIEW: the business roles
and the system administrators read the settings that bind them)."""

from django.utils.translation import gettext_lazy as _

from xueji.accounts.permissions import Cap
from xueji.ui.navigation import Entry, register

register(
    Entry("policy:window_list", _("Business windows"), "bi-calendar-range", "configuration", order=50,
          narrowed_to=Cap.POLICY_VIEW,
          text=_("When each kind of business is open: the province's windows, narrowed by the city or county.")),
    Entry("policy:controlled_items", _("Controlled record items"), "bi-shield-lock", "configuration", order=52,
          text=_("Record items whose change a school files as a request, by level.")),
    Entry("policy:cap_list", _("Class-size caps"), "bi-people-fill", "configuration", order=54,
          text=_("The most pupils a class may hold, per stage, by level.")),
    Entry("policy:switch_list", _("Function switches"), "bi-toggles2", "configuration", order=56,
          text=_("Status changes allowed, registration open, entry age, deleting records, per stage.")),
    Entry("policy:route_list", _("Approval routes"), "bi-signpost-split", "configuration", order=60,
          text=_("Who approves each kind of request, in order.")),
    Entry("policy:security_settings", _("Security settings"), "bi-shield-check", "configuration", order=88,
          text=_("Password rules, lockout, idle timeout, second factor and alert thresholds of your level.")),
    Entry("policy:setting_list", _("File size limits"), "bi-sliders", "configuration", order=70,
          narrowed_to=Cap.POLICY_PROVINCE,
          text=_("The largest proof and import files.")),
)
