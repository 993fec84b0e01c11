"""Labels and states of admission (招生): plans, results and duplicate admissions."""

from django.db import models
from django.utils.translation import gettext_lazy as _

PLAN_CHANGE_TYPE = "admissions.plan_change"
WINDOW_KIND = "admissions.admission"  # the business window of admission (policy.choices.WINDOW_KINDS)


class AdmissionStatus(models.TextChoices):
    """录取 → 入学: an admission holds its place in the plan and its seat in the class from the import on; it takes
    effect (the pupil enters the school, 入学) when the office runs the admission. A pupil admitted by two or more
    schools has all those admissions held (重复录取) until the offices keep one."""

    ADMITTED = "admitted", _("Admitted, not yet in school")
    HELD = "held", _("Held: admitted by several schools")
    ENROLLED = "enrolled", _("In school")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The admissions that count against the plan and hold a seat (an enrolled pupil sits in the class itself).
PENDING = (AdmissionStatus.ADMITTED, AdmissionStatus.HELD)
COUNTED = (AdmissionStatus.ADMITTED, AdmissionStatus.HELD, AdmissionStatus.ENROLLED)


class AdmissionSource(models.TextChoices):
    IMPORT = "import", _("Admission results file (统招/自主招生)")
    CATCHMENT = "catchment", _("Catchment run (义务教育划片)")


class BatchStatus(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    REFUSED = "refused", _("Refused: see the row errors")
    UNCHANGED = "unchanged", _("Unchanged: the same file was imported before")


# Cross-province entry after graduation (毕业后跨省就学, entry.py): the receiving province's request and the graduating
# province's side of it, each in its own engine; what crosses is a hub message.
ENTRY_TYPE = "admissions.entry"
ENTRY_RELEASE_TYPE = "admissions.entry_release"
ENTRY_WINDOW = WINDOW_KIND  # entering the next stage is admission business: the admission window of each province


class EntrySide(models.TextChoices):
    RECEIVING = "receiving", _("Receiving school's side")
    SENDING = "sending", _("Graduating school's side")


class EntryState(models.TextChoices):
    FILED = "filed", _("Filed, in approval")
    AWAITING_SOURCE = "awaiting_source", _("Approved here, awaiting the graduating province")
    AWAITING_RETRIEVAL = "awaiting_retrieval", _("Approved, awaiting file retrieval")
    # The graduating province holds no record of the pupil: the receiving school creates a new one.
    NO_RECORD = "no_record", _("No record there: a new record is created here")
    COMPLETED = "completed", _("Completed: the pupil has a record here")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ENTRY_OPEN = (EntryState.FILED, EntryState.AWAITING_SOURCE, EntryState.AWAITING_RETRIEVAL, EntryState.NO_RECORD)
