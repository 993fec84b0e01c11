"""Words of the bulk import's refusals.

Services raise a stable code with an English developer message; these are the words users read, in the
language of the request (pages and API alike, through xueji.core.messages). Add the words of a new code here."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "unknown_format": _("Unknown template format: use xlsx or csv."),
    "no_file": _("Choose a file."),
}

messages.register(by_code=MESSAGES)
