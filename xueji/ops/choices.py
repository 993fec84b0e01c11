from django.db import models
from django.utils.translation import gettext_lazy as _


class BackupStatus(models.TextChoices):
    OK = "ok", _("Complete")
    FAILED = "failed", _("Failed")
    PRUNED = "pruned", _("Pruned (retention)")


class AlertKind(models.TextChoices):
    JOBS_FAILED = "jobs_failed", _("Failed jobs")
    BACKUP_STALE = "backup_stale", _("No recent backup")
    BACKUP_FAILED = "backup_failed", _("Backup failed")
    REPLICATION_LAG = "replication_lag", _("Replication lag")
    REPLICATION_DOWN = "replication_down", _("No standby replicating")
    INTEGRITY_MISMATCH = "integrity_mismatch", _("Rows changed outside the system")


class IntegrityStatus(models.TextChoices):
    OK = "ok", _("Unchanged")
    CHANGED = "changed", _("Files changed")
    INVALID = "invalid", _("Manifest unreadable")
