"""Words of the reports app's refusals, for the API's clients and for refusals raised with a developer message
only (xueji.core.messages)."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "rule_overlap": _("A funding rule for this stage and programme already covers part of these dates."),
    "rule_dates": _("The rule ends before it begins."),
    "rule_amount": _("The per-pupil amount must be positive."),
    "allocation_frozen": _("The allocation is approved and frozen; it can no longer change."),
    "allocation_no_rules": _("No funding rule is valid at this date."),
    "statistics_rows": _("The statistics return has errors; nothing was imported."),
    "statistics_empty": _("The statistics return has only its column titles, no rows."),
}

messages.register(by_code=MESSAGES)
