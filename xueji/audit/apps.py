from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from xueji.core.egress import egress_refused
from xueji.core.malware import malware_found
from xueji.core.signals import access_denied


class AuditConfig(AppConfig):
    name = "xueji.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from xueji.audit import checks  # noqa: F401  (registers the deployment check)
        from xueji.audit.maintenance import register_sqlite_function

        connection_created.connect(register_sqlite_function, dispatch_uid="xueji.audit.sqlite_function")
        access_denied.connect(_audit_denied_access, dispatch_uid="xueji.audit.access_denied")
        malware_found.connect(_audit_malware, dispatch_uid="xueji.audit.malware_found")
        egress_refused.connect(_audit_egress_refused, dispatch_uid="xueji.audit.egress_refused")
        post_migrate.connect(_chain_heads, sender=self, dispatch_uid="xueji.audit.chain_heads")


def _chain_heads(sender, *, using: str = "default", **kwargs) -> None:
    """After migrate (and a test's flush): every audit-chain partition has its head row."""
    from django.db import transaction

    from xueji.audit.models import AuditChainHead

    with transaction.atomic(using=using):
        AuditChainHead.ensure_all(using=using)


def _audit_denied_access(sender, *, actor, path, method, status, code, **kwargs) -> None:
    """core.api announces API refusals; they are audited here, coalesced per user and minute."""
    from xueji.audit.services import audit_denial

    audit_denial(actor=actor, path=path, method=method, status=status, code=code)


def _audit_malware(sender, *, name, signature, size, sha256, field, **kwargs) -> None:
    """core.malware refused an infected upload: an "upload.malware" row (failed), written after the refused
    operation rolled back (context.defer), with the signed-in user; the intrusion alerts read it."""
    from xueji.core import context

    def write(user) -> None:
        from django.db import transaction

        from xueji.audit.services import audit_record

        with transaction.atomic():
            audit_record(actor=user, username="" if user else "anonymous", action="upload.malware",
                         object_type="upload", object_repr=name[:255], success=False,
                         after={"name": name, "signature": signature, "size": size, "sha256": sha256,
                                "field": field})

    context.defer(write)


def _audit_egress_refused(sender, *, host, port, purpose, **kwargs) -> None:
    """core.egress refused an outbound connection to a host not on XUEJI_EGRESS_ALLOW: an "egress.refused" row
    (failed), written after the operation that tried it ends (context.defer: it may roll back)."""
    from xueji.core import context

    def write(user) -> None:
        from django.db import transaction

        from xueji.audit.services import audit_record

        with transaction.atomic():
            audit_record(actor=user, username="" if user else "system", action="egress.refused",
                         object_type="egress", object_repr=f"{host}:{port}"[:255], success=False,
                         after={"host": host, "port": port, "purpose": purpose})

    context.defer(write)
