"""Words of the audit log's refusals.

Services raise a stable code with an English developer message; these are the words users read, in the
language of the request (pages and API alike, through xueji.core.messages). Add the words of a new code here."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "audit_append_only": _("Audit events cannot be changed or deleted."),
}

messages.register(by_code=MESSAGES)
