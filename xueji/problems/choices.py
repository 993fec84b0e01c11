"""Problem records' codes and labels: kinds, statuses, resolutions, member states, the history of a problem
record and where a problem came from."""

from django.db import models
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _


class ProblemKind(models.TextChoices):
    ID_ERROR = "id_error", _("ID error")
    DUPLICATE_ID = "duplicate_id", _("Duplicate ID number")
    DUPLICATE_NO_ID = "duplicate_no_id", _("Duplicate without ID (same name, sex and birth date)")


class ProblemStatus(models.TextChoices):
    """Stored status; "pending decision" is derived from the members' requests (see selectors)."""

    OPEN = "open", _("Open")
    ARBITRATION = "arbitration", _("Under arbitration")
    RESOLVED = "resolved", _("Resolved")


class Resolution(models.TextChoices):
    CORRECTED = "corrected", _("Data corrected")
    DELETED = "deleted", _("Record deleted")
    CONFIRMED = "confirmed", _("Confirmed by household register")
    CONFIRMED_DISTINCT = "confirmed_distinct", _("Confirmed as distinct pupils")
    ARBITRATED = "arbitrated", _("Decided by arbitration")
    CLEARED = "cleared", _("No longer applies")


class MemberState(models.TextChoices):
    OPEN = "open", _("Awaiting action")
    CONFIRMED = "confirmed", _("Confirmed with proof")
    CHANGED = "changed", _("Data changed")
    DELETED = "deleted", _("Record deleted")
    KEPT = "kept", _("Keeps the ID number (arbitration)")
    LOST = "lost", _("Must change the ID number (arbitration)")


# Members in these states still hold the problem's key and block their final number.
ACTIVE_MEMBER_STATES = (MemberState.OPEN, MemberState.CONFIRMED)


EVENT_LABELS = {
    "filed_correct": gettext_lazy("Correction filed"), "filed_delete": gettext_lazy("Deletion filed"),
    "filed_confirm": gettext_lazy("Confirmation filed"), "approved_correct": gettext_lazy("Correction approved"),
    "approved_delete": gettext_lazy("Deletion approved"), "approved_confirm": gettext_lazy("Confirmation approved"),
    "returned": gettext_lazy("Returned to the school"), "withdrawn": gettext_lazy("Withdrawn by the school"),
    "still_failing": gettext_lazy("Corrected, but verification still fails"),
    "arbitration": gettext_lazy("Sent to the common superior for arbitration"),
    "arbitration_choice": gettext_lazy("Arbiter's choice"), "arbitrated": gettext_lazy("Arbitration decided"),
    "arbitration_withdrawn": gettext_lazy("Arbitration withdrawn"), "resolved": gettext_lazy("Resolved"),
    "member_moved": gettext_lazy("The pupil transferred: the record follows to the new school"),
}
SOURCE_LABELS = {"verification": gettext_lazy("Identity verification"), "scan": gettext_lazy("Scan"),
                 "clearance": gettext_lazy("Duplicate check before issuing numbers"),
                 "arbitration": gettext_lazy("Arbitration"),
                 "changes": gettext_lazy("Record change request")}
