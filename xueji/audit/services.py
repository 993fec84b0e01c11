"""Writing audit events. Called by every service inside its own transaction."""

import datetime as dt
import decimal
import logging
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from xueji.audit import verify
from xueji.audit.chain import ANCHOR_ACTION
from xueji.audit.models import AuditChainCheck, AuditEvent
from xueji.core import clock, context
from xueji.core.errors import ServiceUnavailable
from xueji.core.logs import one_line

logger = logging.getLogger("xueji.audit")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: Iterable[str] | None = None,
             exclude: Iterable[str] = ("password",)) -> dict[str, Any]:
    """The concrete field values of an instance, for before/after."""
    data: dict[str, Any] = {}
    skip = set(exclude)
    for field in instance._meta.concrete_fields:
        if field.name in skip or (fields is not None and field.name not in fields):
            continue
        data[field.attname] = _jsonable(getattr(instance, field.attname))
    return data


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict, dict]:
    """Only the keys that changed, on both sides."""
    keys = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: Any = None,
    after: Any = None,
    success: bool = True,
    username: str = "",
    org_unit: Any = None,
) -> AuditEvent:
    ctx = context.current()
    if getattr(actor, "is_api_client", False):  # a client of the data interface (xueji/interface): no user row
        username, org_unit, actor = username or actor.get_username(), org_unit or actor.client.owner, None
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    org_unit = org_unit or getattr(actor_obj, "org_unit", None)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
    fields = dict(
        created_at=clock.now(),
        actor=actor_obj,
        actor_username=one_line(actor_obj.get_username() if actor_obj else username, 150),
        org_unit=org_unit,
        org_path=org_unit.path if org_unit else "",
        action=action,
        object_type=object_type,
        object_id=one_line(object_id, 64),
        object_repr=one_line(object_repr, 255),
        before=_jsonable(before),
        after=_jsonable(after),
        ip=ctx.ip,
        request_id=ctx.request_id,
        success=success,
        acted_by=getattr(ctx, "acted_by", "") or None,
        actor_role=(",".join(sorted(getattr(actor_obj, "role_set", ()) or ())) or None) if actor_obj else None,
        org_code=(getattr(org_unit, "code", "") or None) if org_unit else None,
    )
    return _insert(fields)


def _insert(fields: dict[str, Any]) -> AuditEvent:
    """The one insert of an audit row. Storage that cannot take it fails the operation closed (control 15):
    ServiceUnavailable leaves the caller's transaction, which rolls the business write back, and becomes a 503.
    There is no switch that skips it."""
    try:
        return AuditEvent.objects.create(**fields)
    except DatabaseError as exc:
        logger.error("audit log unavailable, %s refused: %s", fields.get("action"), type(exc).__name__)
        raise ServiceUnavailable("The audit log cannot be written.", code="audit_unavailable") from exc


QUERY_ACTION = "audit.query"


def audit_query_record(*, actor: Any, filters: Mapping[str, Any] | None = None,
                       event: AuditEvent | None = None) -> AuditEvent:
    """An auditor read the log (审计查询): the list with its filters, or one event. The page and the API write it
    once per request; the menu's count does not."""
    shown = {k: v for k, v in (filters or {}).items() if v not in (None, "", [])}
    if event is not None:
        return audit_record(actor=actor, action=QUERY_ACTION, object_type="audit.auditevent",
                            object_id=str(event.pk), object_repr=f"audit event #{event.pk}", after={"event": event.pk})
    return audit_record(actor=actor, action=QUERY_ACTION, object_type="audit.auditevent",
                        object_repr="audit log", after={"filters": _jsonable(shown)})


def _is_milestone(count: int) -> bool:
    """1, 10, 100, 1000, ...: the counts at which a minute's denials are written to the log."""
    while count % 10 == 0:
        count //= 10
    return count == 1


def audit_denial(*, actor: Any, path: str, method: str, status: int, code: str = "") -> AuditEvent | None:
    """A signed-in user was refused (403) or asked for something outside their jurisdiction (404).

    Coalesced per user and minute: the first refusal of a minute writes an `access.denied` row, and so do the
    10th, the 100th, the 1000th... each with the minute's count so far, so a scan of 1,000 URLs writes 4 rows and
    the last says 1,000. Runs in its own transaction, after the refused operation rolled back."""
    from xueji.accounts.models import DenialCounter

    if not getattr(actor, "is_authenticated", False) or getattr(actor, "is_api_client", False):
        return None  # a data-interface client's refusals are in its call rows (interface.call)
    minute = clock.now().replace(second=0, microsecond=0)
    counters = DenialCounter.objects.filter(actor_id=actor.pk, minute=minute)
    with transaction.atomic():
        if not counters.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    DenialCounter.objects.create(actor_id=actor.pk, minute=minute, count=1)
            except IntegrityError:  # another request of the same user and minute created it first
                counters.update(count=F("count") + 1)
            else:
                # A new minute: the user's counters of earlier hours are of no more use.
                DenialCounter.objects.filter(actor_id=actor.pk, minute__lt=minute - dt.timedelta(hours=1)).delete()
        count = counters.values_list("count", flat=True).get()  # ours: the update holds the row until commit
        if not _is_milestone(count):
            return None
        return audit_record(actor=actor, action="access.denied", object_type="url", object_repr=path[:255],
                            success=False,
                            after={"count": count, "minute": minute, "status": status, "method": method,
                                   "path": path[:255], "code": code})


# ---------------------------------------------------------------------------------------- the hash chain

def chain_check_run(*, actor: Any, by: str = "", using: str = "default") -> AuditChainCheck:
    """Verify every chain now (audit_verify, the auditor's page), keep the outcome, audit it: failed when broken."""
    started = clock.now()
    report = verify.chain_verify(using=using)
    name = by or (actor.get_username() if getattr(actor, "is_authenticated", False) else "system")
    with transaction.atomic(using=using):
        check = verify.check_record(report, by=name, started_at=started, using=using)
        audit_record(actor=actor, username=name, action="audit.verify", object_type="audit.auditchaincheck",
                     object_id=str(check.pk), object_repr=f"audit chain check #{check.pk}", success=report.ok,
                     after={"rows": report.rows, "breaks": [b.as_dict() for b in report.breaks[:20]]})
    if not report.ok:
        verify.logger.error("audit chain broken: %s", [b.as_dict() for b in report.breaks[:20]])
    return check


def chain_anchor(*, by: str = "system", using: str = "default") -> dict:
    """Verify the chains, then anchor each partition's head: the log, the configured sender (the level above),
    an `audit.anchor` row."""
    check = chain_check_run(actor=None, by=by, using=using)
    heads = verify.anchor_heads(using)
    sender = import_string(getattr(settings, "XUEJI_AUDIT_ANCHOR_SENDER", "xueji.audit.verify.log_sender"))
    at = clock.now()
    try:
        sent = sender(heads=heads, at=at)
    except OSError as error:  # the level above unreachable, or refused by the egress guard: the row says so
        verify.logger.error("audit chain anchor not sent: %s", error)
        sent = f"failed: {error}"[:255]
    with transaction.atomic(using=using):
        audit_record(actor=None, username=by, action=ANCHOR_ACTION, object_type="audit.auditchainhead",
                     object_repr=f"{len(heads)} partition heads", success=check.ok,
                     after={"heads": heads, "sent": sent, "intact": check.ok, "check": check.pk})
    return {"heads": len(heads), "intact": check.ok}


def chain_anchor_if_due(using: str = "default") -> dict | None:
    """The daily anchor (the jobs worker's maintenance runs this every minute): once per calendar day."""
    start = timezone.localtime(clock.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    if AuditEvent.objects.using(using).filter(action=ANCHOR_ACTION, created_at__gte=start).exists():
        return None
    if connections[using].vendor == "postgresql":  # one worker anchors: the others skip while it does
        with transaction.atomic(using=using), connections[using].cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [0x5845_554A_4943_4841])
            if not cursor.fetchone()[0]:
                return None
            return chain_anchor(using=using)
    return chain_anchor(using=using)
