"""The data interface (数据接口): the province's own systems read pupils through registered API clients.

An `ApiClient` is registered by the province's system administrator: a scope (an education authority's region:
the client sees the pupils of its subtree, as a user of that authority would), a field profile (the pupil items
it receives and which personal items come unmasked) and a rate limit. Its credentials are a public client id and
secrets (`ApiSecret`), shown once and stored as SHA-256 digests (a secret is 256 random bits: no dictionary to
slow down); rotating issues a new secret and lets the old one live for an overlap period.

`StudentChange` is the change feed's log: database triggers on the pupil table (triggers.py) append one row per
inserted, updated or deleted pupil, whatever wrote it (the registry's door, a bulk COPY or UPDATE, a delete).
`seq` is the cursor: it is stamped once the writing transaction has committed (services.changes_stamp), so a row
with a lower cursor can never appear after a client read a higher one. (The row's id cannot be the cursor: on
PostgreSQL ids are taken when a transaction writes, and a transaction that took a lower id may commit later.)"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from xueji.core.models import TimeStampedModel


class ApiClient(TimeStampedModel):
    jurisdiction_path = "owner__path"

    name = models.CharField(_("name"), max_length=128)
    owner = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("owner"), help_text=_("The authority that registered the client"))
    scope = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("scope"),
                              help_text=_("The client reads the pupils of this authority's region"))
    client_id = models.CharField(_("client id"), max_length=32, unique=True)
    items = models.JSONField(_("items"), default=list)
    unmasked = models.JSONField(_("unmasked items"), default=list)
    rate_limit = models.PositiveIntegerField(_("calls per minute"), default=60)
    is_active = models.BooleanField(_("active"), default=True)
    rotated_at = models.DateTimeField(_("rotated"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name


class ApiSecret(models.Model):
    """One secret of a client: live from `created_at` until `expires_at` (None: until the next rotation)."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="secrets")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"secret of {self.client_id} from {self.created_at:%Y-%m-%d %H:%M}"


class ApiRateWindow(models.Model):
    """A client's calls in one minute (the rate limit, shared by every server process through the database)."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "minute"], name="interface_rate_window")]

    def __str__(self) -> str:
        return f"{self.client_id} {self.minute:%H:%M}: {self.calls}"


# The op of the marker the retention's purge leaves at the highest cursor it deleted (xueji/ops/retention.py).
PURGED_OP = "P"


class StudentChange(models.Model):
    """A row the triggers append for each pupil row written (no foreign key: a deleted pupil's rows stay)."""

    student_id = models.BigIntegerField()
    op = models.CharField(max_length=1)
    old_school_id = models.BigIntegerField(null=True)
    new_school_id = models.BigIntegerField(null=True)
    seq = models.BigIntegerField(null=True)  # the cursor, stamped once the writer is over
    changed_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "interface_change"
        constraints = [models.UniqueConstraint(fields=["seq"], name="interface_change_seq")]
        indexes = [models.Index(fields=["id"], name="interface_change_unstamped",
                                condition=models.Q(seq__isnull=True))]

    def __str__(self) -> str:
        return f"{self.op} pupil {self.student_id} (cursor {self.seq})"
