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
