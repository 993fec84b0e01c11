"""Writing audit events. Called by every service inside its own transaction."""

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from xueji.audit.models import AuditEvent
from xueji.core import clock, context


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
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    org_unit = org_unit or getattr(actor_obj, "org_unit", None)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
    return AuditEvent.objects.create(
        created_at=clock.now(),
        actor=actor_obj,
        actor_username=(actor_obj.get_username() if actor_obj else username)[:150],
        org_unit=org_unit,
        org_path=org_unit.path if org_unit else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        object_repr=object_repr[:255],
        before=_jsonable(before),
        after=_jsonable(after),
        ip=ctx.ip,
        request_id=ctx.request_id,
        success=success,
    )
