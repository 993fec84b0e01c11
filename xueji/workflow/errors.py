"""Words of the approval engine's refusals: decisions, withdrawals, proofs.

Services raise a stable code with an English developer message; these are the words users read, in the
language of the request (pages and API alike, through xueji.core.messages). Add the words of a new code here."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "already_decided": _("This request has already been decided, returned or withdrawn. Reload the page to see "
                         "where it stands."),
    "not_your_step": _("This step is not yours to decide."),
    "reason_required": _("Give the reason."),
    "not_filer": _("Only the registrar of the filing unit may do this."),
    "not_withdrawable": _("Only a pending or returned request can be withdrawn."),
    "not_returned": _("Only a returned request can be resubmitted."),
    "request_closed": _("The request is closed: proofs can no longer be added."),
    "type_mismatch": _("The file's content does not match its name: a PDF renamed .jpg, for example, is refused. "
                       "Upload the file as it is."),
    "unsupported_type": _("Only JPG, PNG and PDF files are accepted (checked by their content)."),
    "file_too_large": _("The file is larger than allowed."),
    "unresolvable_step": _("An approving party of this request cannot be found (e.g. the unit has no county "
                           "authority)."),
    "unknown_request_type": _("Unknown request type."),
}
# Codes raised for more than one reason: the reason, by the service's own words.
MESSAGES_BY_TEXT = {
    "This step was already decided by someone else.":
        _("This step was already decided by someone else. Reload the page to see where the request stands."),
    "The filer cannot approve their own request.": _("The filer cannot approve their own request."),
    "Someone has already approved this request; it can no longer be withdrawn.":
        _("Someone has already approved this request; it can no longer be withdrawn."),
    "Only the filer or the current approver may add proofs.":
        _("Only the filing unit or the current approver may add proofs."),
}

messages.register(by_code=MESSAGES, by_text=MESSAGES_BY_TEXT)
