"""Operations (运行维护): the record of each backup run, the alerts raised for the system administrators, and the
marks of when periodic work last ran. The backup's manifest on disk is the source of truth (a restore overwrites
these rows with the database); `backups_sync` records again what the disk holds."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.ops.choices import AlertKind, BackupStatus, IntegrityStatus


class Backup(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)  # the folder's name under XUEJI_BACKUP_DIR
    status = models.CharField(_("status"), max_length=16, choices=BackupStatus.choices)
    reason = models.CharField(_("reason"), max_length=128, blank=True)
    vendor = models.CharField(_("database"), max_length=16)
    size = models.BigIntegerField(_("size"), default=0)  # bytes of the encrypted parts
    checksum = models.CharField(_("checksum"), max_length=64, blank=True)  # SHA-256 of the manifest
    path = models.CharField(_("path"), max_length=500)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), db_index=True)
    seconds = models.FloatField(_("duration (s)"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("backup")
        verbose_name_plural = _("backups")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"


class Alert(models.Model):
    """An alert for the system administrators (运维告警): one open row per key (idempotent), closed when the cause
    goes away (a fresh backup closes the stale-backup alert)."""

    kind = models.CharField(_("kind"), max_length=32, choices=AlertKind.choices)
    key = models.CharField(_("key"), max_length=128)
    message = models.TextField(_("message"))
    detail = models.JSONField(default=dict, blank=True)
    count = models.PositiveIntegerField(_("occurrences"), default=1)
    opened_at = models.DateTimeField(_("opened"))
    last_at = models.DateTimeField(_("last seen"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    mailed_to = models.PositiveIntegerField(_("mailed to"), default=0)

    class Meta:
        ordering = ["-last_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["key"], condition=models.Q(resolved_at__isnull=True),
                                               name="ops_alert_one_open_per_key")]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return f"{self.kind}: {self.key}"


class Mark(models.Model):
    """When a piece of periodic work last ran (the daily cleanup, the alert check): the worker's maintenance runs
    every minute, these throttle it."""

    name = models.CharField(max_length=64, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M}"


class IntegrityCheck(models.Model):
    """One trusted verification (可信验证) of this machine's files against the SM3 manifest (xueji/ops/integrity.py):
    at the worker's start, by `manage.py manifest verify`, and periodically. The status page shows the last."""

    host = models.CharField(_("host"), max_length=128)
    source = models.CharField(_("source"), max_length=16)  # start, periodic, command
    status = models.CharField(_("status"), max_length=16, choices=IntegrityStatus.choices)
    at = models.DateTimeField(_("verified"), db_index=True)
    files = models.PositiveIntegerField(_("files"), default=0)
    manifest_digest = models.CharField(_("manifest SM3"), max_length=64, blank=True)
    differences = models.JSONField(_("differences"), default=dict, blank=True)  # changed, added, removed

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("integrity check")
        verbose_name_plural = _("integrity checks")

    def __str__(self) -> str:
        return f"{self.host} {self.status} {self.at:%Y-%m-%d %H:%M}"


class CacheEntry(models.Model):
    """The shared cache of several application servers (XUEJI_CACHE=database): Django's DatabaseCache table, made
    by `migrate` like every other table (so the application's role gets its grants) rather than by
    `createcachetable`. Only Django's cache backend reads and writes it."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "xueji_cache"
        verbose_name = _("cache entry")
        verbose_name_plural = _("cache entries")

    def __str__(self) -> str:
        return self.cache_key
