"""Words of identity-verification refusals.

Services raise a stable code with an English developer message; these are the words users read, in the
language of the request (pages and API alike, through xueji.core.messages). Add the words of a new code here."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "batch_file_missing": _("The file of this batch is not available."),
    "batch_not_waiting": _("This batch is not awaiting answers."),
    "missing_columns": _("The file's header must name the id_number and name columns."),
}
# Codes raised for more than one reason: the reason, by the service's own words.
MESSAGES_BY_TEXT = {
    "organisation unit not found": _("Organisation unit not found."),
}

messages.register(by_code=MESSAGES, by_text=MESSAGES_BY_TEXT)
