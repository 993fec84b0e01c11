"""The training app's labels: course modes, question kinds, how an enrolment came about."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Mode(models.TextChoices):
    FACE_TO_FACE = "face", _("Face to face")
    ONLINE = "online", _("Online material")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")


class EnrolmentSource(models.TextChoices):
    SELF = "self", _("Enrolled themselves")
    MANAGER = "manager", _("Enrolled by the training unit")
    AUTOMATIC = "automatic", _("Enrolled automatically (new registrar)")


# The levels whose staff a course trains (an org unit's kind).
TARGET_LEVELS = (("school", _("School")), ("county", _("County")), ("city", _("City")),
                 ("province", _("Province")), ("ministry", _("Ministry")))
CERTIFICATE_SETTING = "training.certificate_required"
