"""Append-only security audit log (等保 2.0): the application can insert rows, never change them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core.errors import Forbidden


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise Forbidden("Audit events cannot be changed.", code="audit_append_only")

    def delete(self):
        raise Forbidden("Audit events cannot be deleted.", code="audit_append_only")


class AuditEvent(models.Model):
    jurisdiction_path = "org_path"

    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="+")
    actor_username = models.CharField(_("user"), max_length=150, blank=True)
    org_unit = models.ForeignKey("regions.OrgUnit", null=True, blank=True, on_delete=models.DO_NOTHING,
                                 db_constraint=False, related_name="+")
    # The actor's org path at the time, so authorities see events of their subtree with one prefix match.
    org_path = models.CharField(max_length=255, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    success = models.BooleanField(_("success"), default=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["ip", "action", "created_at"]),
            models.Index(fields=["actor_username", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise Forbidden("Audit events cannot be changed.", code="audit_append_only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Forbidden("Audit events cannot be deleted.", code="audit_append_only")
