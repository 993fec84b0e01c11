"""Append-only security audit log (等保 2.0): the application can insert rows, never change them."""

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from xueji.audit import chain
from xueji.core.errors import Forbidden
from xueji.core.fields import SealedJSONField


class AuditQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        raise Forbidden("Audit events are written one by one (each is a link of the hash chain).",
                        code="audit_append_only")

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
    # The ID numbers and national numbers they hold sealed at rest (core.fields.ID_KEYS, SECURITY.md row 24): the
    # chain covers the values as written, read back open (audit.chain.canonical).
    before = SealedJSONField(null=True, blank=True)
    after = SealedJSONField(null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    success = models.BooleanField(_("success"), default=True)
    # The person who acted for the actor: during a password loan (借用, accounts/loans.py) the actor is the lender
    # and this the borrower ("by the borrower on behalf of the lender"). Part of the chained digest.
    acted_by = models.CharField(_("acted by"), max_length=150, null=True, blank=True)  # noqa: DJ001
    # The actor's roles and org unit code at the time (control 13: who acted, in which role, for which unit), kept
    # beside the ids so the row reads alone after a role change or a renumbered unit. Part of the chained digest.
    # Nullable, no default: SQLite adds them in place.
    actor_role = models.CharField(_("role"), max_length=120, null=True, blank=True)  # noqa: DJ001
    org_code = models.CharField(_("org code"), max_length=16, null=True, blank=True)  # noqa: DJ001
    # The hash chain (audit.chain): the row's partition, its place in it, the previous row's hash and its own,
    # SM3 over the previous hash and the row's canonical form. Written with the row, never changed; empty on rows
    # older than the chain (and on rows inserted behind the application's back, which audit_verify reports).
    chain_partition = models.SmallIntegerField(null=True, blank=True)
    chain_seq = models.BigIntegerField(null=True, blank=True)
    # Nullable, no default: SQLite adds such columns in place (anything else rebuilds the table, and its triggers).
    chain_prev = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    chain_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    objects = AuditQuerySet.as_manager()
    # Append-only: a data-key rotation leaves its rows under the key they were sealed with (core.rotation).
    sealing_rewritable = False

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["ip", "action", "created_at"]),
            models.Index(fields=["actor_username", "created_at"]),
        ]
        # Two links at one place of a partition (a forked chain) cannot be written, whatever the locks did.
        # (Partial: SQLite creates a partial unique index in place, a plain one by rebuilding the table.)
        constraints = [models.UniqueConstraint(fields=["chain_partition", "chain_seq"], name="audit_chain_link",
                                               condition=models.Q(chain_partition__isnull=False))]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise Forbidden("Audit events cannot be changed.", code="audit_append_only")
        using = kwargs.get("using") or "default"
        with transaction.atomic(using=using, savepoint=False):  # the head's lock lasts until the commit
            self._link(using)
            super().save(*args, **kwargs)

    def _link(self, using: str) -> None:
        """Make this row (about to be inserted) the next link of its writer's partition (xueji/audit/chain.py)."""
        head = AuditChainHead.locked(chain.writer_partition(), using=using)
        self.chain_partition, self.chain_seq, self.chain_prev = head.partition, head.seq + 1, head.hash
        row = {name: getattr(self, name) for name in chain.FIELDS}
        row["ip"] = self._meta.get_field("ip").get_prep_value(self.ip) or None
        self.chain_hash = chain.link_hash(head.hash, row)

    def delete(self, *args, **kwargs):
        raise Forbidden("Audit events cannot be deleted.", code="audit_append_only")


class AuditChainHead(models.Model):
    """The last link of each partition of the audit chain. A writer locks its partition's head (SELECT ... FOR
    UPDATE) before it links a row, so parallel writers of one partition queue and never fork it; the database
    moves the head to the new row (the trigger of migration 0005), so a link costs one query more than the
    insert. Only a cache of the log's own links: audit_verify checks it against them."""

    partition = models.SmallIntegerField(primary_key=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    event_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.partition}: {self.seq} {self.hash[:12]}"

    @classmethod
    def ensure_all(cls, *, using: str = "default") -> int:
        """Every partition's head, made where missing (after migrate and after a test's flush: post_migrate), so
        an audited write never pays the first-use path. Returns the heads made."""
        have = set(cls.objects.using(using).values_list("partition", flat=True))
        missing = [p for p in range(chain.partitions()) if p not in have]
        for partition in missing:
            cls.locked(partition, using=using)
        return len(missing)

    @classmethod
    def locked(cls, partition: int, *, using: str = "default") -> "AuditChainHead":
        """The partition's head, locked until the transaction ends; made on first use (from the partition's last
        row, should the head table have been emptied)."""
        heads = cls.objects.using(using).select_for_update()
        head = heads.filter(partition=partition).first()
        if head is not None:
            return head
        last = (AuditEvent.objects.using(using).filter(chain_partition=partition).order_by("-chain_seq")
                .values("chain_seq", "chain_hash", "id").first())
        cls.objects.using(using).bulk_create(
            [cls(partition=partition, seq=last["chain_seq"] if last else 0,
                 hash=last["chain_hash"] if last else chain.GENESIS, event_id=last["id"] if last else None)],
            ignore_conflicts=True)
        return heads.get(partition=partition)


class AuditChainCheck(models.Model):
    """One verification of every chain (audit_verify, the auditor's page, the daily anchor): what it found."""

    started_at = models.DateTimeField(_("checked"))
    finished_at = models.DateTimeField(null=True, blank=True)
    by = models.CharField(_("by"), max_length=150, blank=True)
    rows = models.BigIntegerField(_("rows checked"), default=0)
    ok = models.BooleanField(_("intact"), default=False)
    # [{"partition", "event_id", "seq", "problem", "detail"}, ...]: the first broken link of each broken partition.
    breaks = models.JSONField(default=list, blank=True)
    # {partition: {"seq", "hash", "rows"}}: each partition's last link as verified.
    heads = models.JSONField(default=dict, blank=True)
    unchained = models.BigIntegerField(_("rows before the chain"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("audit chain check")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'broken'}"
