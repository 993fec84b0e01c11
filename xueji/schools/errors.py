"""Words of the schools' refusals: school codes, stages, classes, school years.

Services raise a stable code with an English developer message; these are the words users read, in the
language of the request (pages and API alike, through xueji.core.messages). Add the words of a new code here."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "invalid_school_code": _("The school code has 10 digits."),
    "unknown_code": _("Unknown code."),
    "invalid_stages": _("Choose one or more stages: primary, junior secondary, senior secondary."),
    "code_taken": _("This code is already used."),
    "invalid_county": _("A school belongs to a county authority."),
    "stage_not_taught": _("The school does not teach this stage."),
    "invalid_cohort": _("The cohort year is out of range."),
    "invalid_number": _("The class number is 1 to 99."),
    "class_exists": _("This class already exists."),
    "exists": _("This school year already exists."),
}

messages.register(by_code=MESSAGES)
