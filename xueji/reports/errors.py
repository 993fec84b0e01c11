"""The refusals of the reports app: stable codes, Chinese messages (the API answers the request's language)."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "rule_overlap": _("A funding rule for this stage and programme already covers part of these dates."),
    "rule_dates": _("The rule ends before it begins."),
    "rule_amount": _("The per-pupil amount must be positive."),
    "allocation_frozen": _("The allocation is approved and frozen; it can no longer change."),
    "allocation_no_rules": _("No funding rule is valid at this date."),
    "return_empty": _("The statistics return has no rows."),
    "return_rows": _("The statistics return has errors; nothing was imported."),
}
