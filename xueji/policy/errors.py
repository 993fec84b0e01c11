"""Words of the policy's refusals: settings, windows, routes.

Services raise a stable code with an English developer message; these are the words users read, in the
language of the request (pages and API alike, through xueji.core.messages). Add the words of a new code here."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "no_province": _("Policy is set per province; the ministry sets none."),
    "unknown_setting": _("Unknown setting."),
    "invalid_setting": _("This value does not fit the setting."),
    "unknown_window_kind": _("Unknown kind of business."),
    "invalid_window": _("The window closes before it opens."),
    "empty_route": _("A route has at least one step."),
    "unknown_resolver": _("Unknown approving party."),
    "invalid_role": _("Approvers are registrars or leaders."),
}

messages.register(by_code=MESSAGES)
