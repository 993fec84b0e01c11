"""Bulk imports (批量导入): one row per uploaded file, with its counts, timings and error report."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    ENROLLED = "enrolled", _("Pupils already at school (在校生)")
    GRADE1 = "grade1", _("Grade-1 entrants (小学新生)")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")
    INTERRUPTED = "interrupted", _("Interrupted")


class ImportBatch(models.Model):
    """An uploaded file of pupils and what became of its rows.

    total = valid (new drafts written) + invalid + duplicate + already_imported. Counts grow chunk by chunk in
    the same transaction as the chunk's rows, so after a crash they describe exactly what was written."""

    jurisdiction_path = "school__org_unit__path"

    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="import_batches",
                               verbose_name=_("school"))
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices, default=ImportKind.ENROLLED)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED,
                              db_index=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.BigIntegerField(_("file size"))
    file_type = models.CharField(_("file type"), max_length=8)  # xlsx | csv
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    stored_file = models.CharField(max_length=255, blank=True)  # under MEDIA_ROOT, removed when finished
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    valid_rows = models.PositiveIntegerField(_("imported"), default=0)
    invalid_rows = models.PositiveIntegerField(_("invalid"), default=0)
    duplicate_rows = models.PositiveIntegerField(_("duplicates"), default=0)
    already_imported_rows = models.PositiveIntegerField(_("already imported"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    error_report = models.CharField(_("error report"), max_length=255, blank=True)  # under MEDIA_ROOT
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    failure = models.TextField(_("reason of failure"), blank=True)
    timings = models.JSONField(_("timings"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_batches")
    job = models.OneToOneField("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="import_batch")
    created_at = models.DateTimeField(_("created"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED, ImportStatus.INTERRUPTED)

    @property
    def outcome(self) -> str:
        """How the batch ended for the user: a finished import that imported nothing is no success.

        queued | running | failed | interrupted | imported (all rows new) | partial (some rows refused) |
        nothing (no new pupil: every row refused) | unchanged (every row was imported before)."""
        if self.status != ImportStatus.SUCCEEDED:
            return self.status
        refused = self.invalid_rows + self.duplicate_rows
        if self.valid_rows == 0:
            return "nothing" if refused else "unchanged"
        return "partial" if refused else "imported"
