"""Words of registration refusals (and of the identity checks a problem-record correction shares).

Services raise a stable code with an English developer message; these are the words users read, in the
language of the request (pages and API alike, through xueji.core.messages). Add the words of a new code here."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "unknown_kind": _("Unknown kind."),
    "no_students": _("Choose at least one pupil."),
    "school_only": _("This is done by the pupil's school."),
    "not_draft": _("Some of these pupils were already submitted or registered."),
    "search_terms": _("Search by ID number, or by name, sex and date of birth."),
    "still_enrolled": _("This pupil is still on a school's roll; use a transfer instead."),
    "takeover_pending": _("A takeover of this record is already pending."),
    "already_taken": _("This pre-school record was already taken over."),
    "wrong_class": _("The class belongs to another school."),
    "not_editable": _("Only drafts and pupils of a returned request can be corrected."),
    "no_preschool_record": _("No pre-school record with this ID number."),
    "invalid_name": _("The name is required (64 characters at most)."),
    "invalid_code": _("Unknown code."),
    "invalid_date": _("Give the date as YYYY-MM-DD."),
    "future_date": _("The date lies in the future."),
    "id_birth_date_mismatch": _("The birth date in the ID number differs from the date of birth."),
    "id_sex_mismatch": _("The sex digit of the ID number differs from the sex."),
    "id_check_digit": _("The check digit of the ID number is wrong."),
    "id_length": _("A resident ID number has 18 characters."),
    "id_shape": _("A resident ID number is 17 digits and a digit or X."),
    "id_birth_date": _("The birth date in the ID number does not exist."),
    "invalid_id": _("The ID number is too long."),
    "id_taken": _("Another record already holds this ID number."),
    "no_change": _("The correction changes nothing."),
}
# Codes raised for more than one reason: the reason, by the service's own words.
MESSAGES_BY_TEXT = {
    "student not found": _("Pupil not found."),
    "class not found": _("Class not found."),
    "Some of these pupils are not in your jurisdiction.": _("Some of these pupils are not in your jurisdiction."),
}

messages.register(by_code=MESSAGES, by_text=MESSAGES_BY_TEXT)
