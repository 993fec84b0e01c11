"""Registration: pre-school records; identity verification (local population register, batches)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core import codes


class PreschoolRecord(models.Model):
    """A kindergarten record (幼儿园学籍) received from the pre-school system, taken over at grade-1 registration
    instead of typing the pupil again."""

    province_code = models.CharField(_("province"), max_length=6, db_index=True)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=64)
    sex = models.CharField(_("sex"), max_length=1, choices=codes.choices_of("SEX"))
    birth_date = models.DateField(_("date of birth"))
    ethnic = models.CharField(_("ethnic group"), max_length=2, default="01")
    kindergarten = models.CharField(_("kindergarten"), max_length=128, blank=True)
    data = models.JSONField(_("other items"), default=dict, blank=True)
    taken_over_by = models.OneToOneField("registry.Student", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="preschool_record")
    loaded_at = models.DateTimeField(_("loaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("pre-school record")
        verbose_name_plural = _("pre-school records")

    def __str__(self) -> str:
        return f"{self.name} ({self.kindergarten})"


# Identity verification (公安身份核查) -------------------------------------------------------------------------

class RegisterEntry(models.Model):
    """One person of the local population register: the stand-in for the public-security population database
    that the demo and the tests check pupils against. Loaded from a file (`manage.py load_population_register`)."""

    id_number = models.CharField(_("ID number"), max_length=18, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    sex = models.CharField(_("sex"), max_length=1, blank=True, default="")
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    loaded_at = models.DateTimeField(_("loaded"))

    class Meta:
        verbose_name = _("population register entry")
        verbose_name_plural = _("population register entries")

    def __str__(self) -> str:
        return self.name


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


class VerificationBatch(models.Model):
    """One verification run over a jurisdiction: either checked through the adapter, or exported as a file for
    the population register and answered by a file later."""

    jurisdiction_path = "org_unit__path"

    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="verification_batches",
                                 verbose_name=_("scope"))
    province_code = models.CharField(_("province"), max_length=6, blank=True)
    mode = models.CharField(_("mode"), max_length=8, choices=BatchMode.choices)
    status = models.CharField(_("status"), max_length=8, choices=BatchStatus.choices, default=BatchStatus.RUNNING)
    total = models.PositiveIntegerField(_("pupils"), default=0)
    answered = models.PositiveIntegerField(_("answered"), default=0)
    counts = models.JSONField(_("results"), default=dict, blank=True)
    # The exported file (under MEDIA_ROOT; it holds ID numbers, so it is served only through the batch, audited).
    file = models.CharField(_("file"), max_length=255, blank=True, default="")
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("verification batch")
        verbose_name_plural = _("verification batches")

    def __str__(self) -> str:
        return f"{self.pk} {self.org_unit_id} {self.mode} {self.status}"


class VerificationItem(models.Model):
    """One pupil in a batch: what was sent (ID number and name as they were) and the answer."""

    jurisdiction_path = "batch__org_unit__path"

    batch = models.ForeignKey(VerificationBatch, on_delete=models.CASCADE, related_name="items")
    student = models.ForeignKey("registry.Student", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="verification_items")
    id_number = models.CharField(_("ID number"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    result = models.CharField(_("result"), max_length=16, choices=VerifyResult.choices, blank=True, default="")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["batch", "id"]
        constraints = [models.UniqueConstraint(fields=["batch", "student"], name="one_item_per_pupil_and_batch")]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"{self.batch_id}-{self.student_id}"
