"""Labels of registration's codes: the history of a problem record and where a problem came from."""

from django.utils.translation import gettext_lazy

EVENT_LABELS = {
    "filed_correct": gettext_lazy("Correction filed"), "filed_delete": gettext_lazy("Deletion filed"),
    "filed_confirm": gettext_lazy("Confirmation filed"), "approved_correct": gettext_lazy("Correction approved"),
    "approved_delete": gettext_lazy("Deletion approved"), "approved_confirm": gettext_lazy("Confirmation approved"),
    "returned": gettext_lazy("Returned to the school"), "withdrawn": gettext_lazy("Withdrawn by the school"),
    "still_failing": gettext_lazy("Corrected, but verification still fails"),
    "arbitration": gettext_lazy("Sent to the common superior for arbitration"),
    "arbitration_choice": gettext_lazy("Arbiter's choice"), "arbitrated": gettext_lazy("Arbitration decided"),
    "arbitration_withdrawn": gettext_lazy("Arbitration withdrawn"), "resolved": gettext_lazy("Resolved"),
}
SOURCE_LABELS = {"verification": gettext_lazy("Identity verification"), "scan": gettext_lazy("Scan"),
                 "clearance": gettext_lazy("Duplicate check before issuing numbers"),
                 "arbitration": gettext_lazy("Arbitration")}

# The registration request types by kind (the kind a school files; the request type's code is also its
# business window's kind). types.py registers them; services.py files them by code, so it needs no types.
REQUEST_TYPE_OF = {"enrolled": "registration.enrolled", "grade1": "registration.grade1",
                   "returning": "registration.returning"}
