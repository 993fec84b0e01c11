"""Identity verification's codes and labels: the register's answers, how a batch talks to the register, and
where a batch stands."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VerifyResult(models.TextChoices):
    VERIFIED = "verified", _("Verified")
    ID_NOT_FOUND = "id_not_found", _("ID number does not exist")
    NAME_MISMATCH = "name_mismatch", _("Name and ID number do not match")


class BatchMode(models.TextChoices):
    ADAPTER = "adapter", _("Checked through the register adapter")
    FILE = "file", _("Exchanged as files")


class BatchStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SENT = "sent", _("Sent, awaiting answers")
    PARTLY = "partly", _("Partly answered")
    DONE = "done", _("Done")
