"""Words of the regions' refusals: the organisation tree.

Services raise a stable code with an English developer message; these are the words users read, in the
language of the request (pages and API alike, through xueji.core.messages). Add the words of a new code here."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "invalid_parent": _("This kind of organisation unit cannot sit under the chosen parent."),
    "unknown_region": _("Unknown region."),
}

messages.register(by_code=MESSAGES)
