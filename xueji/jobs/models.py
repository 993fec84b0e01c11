"""Background jobs with progress, shown in the UI (run by the django-tasks database worker)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core.fields import SealedCharField


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    INTERRUPTED = "interrupted", _("Interrupted")  # its worker died: the reaper found its heartbeat stale


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.INTERRUPTED)
RERUNNABLE = (JobStatus.FAILED, JobStatus.INTERRUPTED)


class FileScope(models.TextChoices):
    """Who besides the capability may read a job's result file."""

    UNIT = "unit", _("The creator and users of the same unit")
    JURISDICTION = "jurisdiction", _("Users whose jurisdiction holds the job")


class Job(models.Model):
    jurisdiction_path = "org_unit__path"

    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED,
                              db_index=True)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    params = models.JSONField(default=dict, blank=True)
    log = models.TextField(_("log"), blank=True)
    result = models.JSONField(null=True, blank=True)
    result_file = models.CharField(_("result file"), max_length=255, blank=True)
    # What a user reads when the job failed (a short message, never a traceback); the traceback goes to the
    # server log and error_detail, which no API or page shows.
    error = models.TextField(_("error"), blank=True)
    error_code = models.CharField(_("error code"), max_length=32, blank=True)
    error_detail = models.TextField(_("error detail"), blank=True)
    # Reading the result file: the capability it needs (full ID numbers: student.view_id) and who else.
    file_cap = models.CharField(_("capability to read the file"), max_length=32, blank=True)
    file_scope = models.CharField(_("who may read the file"), max_length=16, choices=FileScope.choices,
                                  default=FileScope.UNIT)
    file_expires_at = models.DateTimeField(_("file expires"), null=True, blank=True, db_index=True)
    # An export the province requires encrypted (policy setting export.encrypt) is an AES-256 zip; its password
    # waits here, sealed like personal data (core.sealing), for the one showing to the requester
    # (jobs.exportfiles.password_reveal), then is erased (NULL).
    file_encrypted = models.BooleanField(_("file encrypted"), default=False)
    file_password = SealedCharField(max_length=64, blank=True, null=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)  # the django-tasks result that runs it
    rerun_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs")
    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="jobs")
    created_at = models.DateTimeField(_("created"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def can_rerun(self) -> bool:
        return self.status in RERUNNABLE


class WorkerBeat(models.Model):
    """The heartbeat of a running job worker (`manage.py jobs_worker`), one row per worker process, written by its
    maintenance thread every minute whether or not it has work: `/healthz` reads it to tell a live worker from none."""

    name = models.CharField(max_length=128, primary_key=True)  # host:pid
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"


class DownloadLink(models.Model):
    """A single-use, expiring link to a job's result file (导出文件一次性下载链接): issued to one user each time the
    job's page shows the download button, used by one download (a conditional UPDATE of `used_at`: of two requests
    only one wins), refused when used again or past `expires_at`. Only the token's SHA-256 is stored."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="download_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("download link")
        verbose_name_plural = _("download links")

    def __str__(self) -> str:
        return f"link of job {self.job_id} for user {self.user_id}"
