"""Words of the attendance app's refusals, for the API's clients and for refusals raised with a developer message
only (xueji.core.messages)."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "attendance_not_school": _("Absences are entered by the pupil's own school."),
    "attendance_bad_date": _("The date is in the future or not a school day."),
    "attendance_bad_kind": _("The kind is not one of unexcused, personal or sick."),
    "attendance_case_closed": _("The case is closed already."),
    "attendance_bad_term": _("The term is written like 2026-1 (autumn) or 2026-2 (spring)."),
    "report_not_ended": _("A monthly report is made after its month has ended."),
    "report_wrong_signer": _("The monthly report is signed by the leader (学籍主管领导) of its own unit."),
    "report_not_signed": _("The monthly report is submitted after its leader signed it."),
    "report_signed": _("The monthly report is signed already; it no longer changes."),
    "report_subordinates_missing": _("Some subordinate authorities have not submitted their monthly report yet."),
    "report_not_authority": _("Monthly reports are made by the county, city and province authorities."),
    "misuse_no_level_above": _("The unit has no level above in this system to handle a report."),
    "misuse_not_handler": _("Only the leader of the level the report was routed to handles it."),
}

messages.register(by_code=MESSAGES)
