"""Words of problem-record and national-number refusals.

Services raise a stable code with an English developer message; these are the words users read, in the
language of the request (pages and API alike, through xueji.core.messages). Add the words of a new code here."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "member_required": _("Choose the record this action is for."),
    "problem_resolved": _("This problem record is already resolved."),
    "under_arbitration": _("This problem is under arbitration by the common superior authority."),
    "member_settled": _("This record's part of the problem is already settled."),
    "request_in_progress": _("A request for this record is already in progress; withdraw or resubmit it."),
    "record_gone": _("The record no longer exists."),
    "not_confirmable": _("Only a well-formed resident ID number can be confirmed; correct it instead."),
    "not_in_arbitration": _("This problem is not under arbitration."),
    "invalid_choice": _("That record is not one of the disputed records."),
    "choice_required": _("Name the record that keeps the ID number on the problem record's page."),
    "unknown_action": _("Unknown action."),
    "proof_required": _("Attach the household-register proof before the confirmation is approved."),
    "not_correctable": _("Only name, sex, date of birth, ID type and ID number can be corrected here."),
    "unknown_scan": _("Unknown scan."),
    "number_required": _("Give a national student number."),
}
# Codes raised for more than one reason: the reason, by the service's own words.
MESSAGES_BY_TEXT = {
    "problem record not found": _("Problem record not found."),
    "problem record member not found": _("Problem record not found."),
    "national student number not found": _("National student number not found."),
}

messages.register(by_code=MESSAGES, by_text=MESSAGES_BY_TEXT)
