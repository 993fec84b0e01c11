"""Identity verification (公安身份核查): the local population register, verification batches and their items.

The tables were created by registration (before issue 7 split it): each model keeps its table's name."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core import sealing
from xueji.core.fields import BlindIndexField, SealedCharField, SealedModel
from xueji.verification.choices import BatchMode, BatchStatus, VerifyResult


class RegisterEntry(SealedModel):
    """One person of the local population register: the stand-in for the public-security population database
    that the demo and the tests check pupils against. Loaded from a file (`manage.py load_population_register`).
    The ID number is sealed (core.sealing); its blind index is the key (one entry per number)."""

    id_number_index = BlindIndexField(source="id_number", primary_key=True)
    id_number = SealedCharField(_("ID number"), max_length=18, index="id_number_index")
    name = models.CharField(_("name"), max_length=64)
    sex = models.CharField(_("sex"), max_length=1, blank=True, default="")
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    loaded_at = models.DateTimeField(_("loaded"))

    class Meta:
        db_table = "registration_registerentry"  # the table registration created (moved in state only)
        verbose_name = _("population register entry")
        verbose_name_plural = _("population register entries")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.id_number_index = sealing.blind_index(self.id_number)  # the key: known before the row is written
        return super().save(*args, **kwargs)


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
        db_table = "registration_verificationbatch"  # the table registration created (moved in state only)
        ordering = ["-created_at", "-id"]
        verbose_name = _("verification batch")
        verbose_name_plural = _("verification batches")

    def __str__(self) -> str:
        return f"{self.pk} {self.org_unit_id} {self.mode} {self.status}"


class VerificationItem(SealedModel):
    """One pupil in a batch: what was sent (ID number and name as they were; the number sealed) and the answer."""

    jurisdiction_path = "batch__org_unit__path"
    security_label_lookup = "student__security_label"  # a labelled pupil's rows: cleared users only (control 10)

    batch = models.ForeignKey(VerificationBatch, on_delete=models.CASCADE, related_name="items")
    student = models.ForeignKey("registry.Student", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="verification_items")
    id_number = SealedCharField(_("ID number"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    result = models.CharField(_("result"), max_length=16, choices=VerifyResult.choices, blank=True, default="")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        db_table = "registration_verificationitem"  # the table registration created (moved in state only)
        ordering = ["batch", "id"]
        constraints = [models.UniqueConstraint(fields=["batch", "student"], name="one_item_per_pupil_and_batch")]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"{self.batch_id}-{self.student_id}"
