"""Every write of the data interface: registering, changing, rotating and revoking API clients (the province's
system administrator), a client's rate window, the audit row of each call, and the cursor stamps of the change
feed. Keyword-only, typed, atomic, audited."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from xueji.accounts.permissions import Cap, has_cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import Conflict, Forbidden, ValidationFailed
from xueji.interface import triggers
from xueji.interface.choices import PERSONAL, Item
from xueji.interface.errors import RateLimited
from xueji.interface.models import ApiClient, ApiRateWindow, ApiSecret
from xueji.regions.models import OrgKind, OrgUnit

MAX_RATE_LIMIT = 6000
CLIENT_ID_PREFIX = "xjc_"
# The advisory lock that serialises the stamping of cursors (PostgreSQL): any constant the app uses for nothing else.
_STAMP_LOCK = 0x78_75_65_6A_69_01
STAMP_BATCH = 10_000


def digest(secret: str) -> str:
    """How a secret is stored: its SHA-256 (a secret is 256 random bits, so a slow hash would add nothing)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _issue_secret(client: ApiClient, now: dt.datetime) -> str:
    secret = secrets.token_urlsafe(32)
    ApiSecret.objects.create(client=client, digest=digest(secret), created_at=now)
    return secret


def _profile(*, actor, items, unmasked) -> tuple[list[str], list[str]]:
    """The field profile as stored: the items in their declared order; unmasked only personal items that are given,
    and only by a holder of Cap.INTERFACE_UNMASK."""
    known = list(Item.values)
    items, unmasked = set(items or ()), set(unmasked or ())
    if not items <= set(known):
        raise ValidationFailed(f"Unknown items: {sorted(items - set(known))}", code="unknown_item", field="items")
    if not unmasked <= set(PERSONAL):
        raise ValidationFailed(f"Not personal items: {sorted(unmasked - set(PERSONAL))}", code="unknown_item",
                               field="unmasked")
    if not unmasked <= items:
        raise ValidationFailed("Unmasked items that are not given", code="unmask_not_included", field="unmasked")
    if not items:
        raise ValidationFailed("No item given", code="unknown_item", field="items")
    return [i for i in known if i in items], [i for i in known if i in unmasked]


def _checked_scope(*, actor, scope: OrgUnit) -> OrgUnit:
    """An education authority's unit inside the actor's jurisdiction (a province, city or county)."""
    path = actor.org_unit.path
    if (scope is None or scope.kind not in (OrgKind.PROVINCE, OrgKind.CITY, OrgKind.COUNTY) or not scope.is_active
            or not scope.path.startswith(path)):
        raise ValidationFailed("The scope is outside the administrator's jurisdiction", code="scope_outside",
                               field="scope")
    return scope


def _checked_rate(rate_limit: int) -> int:
    if not isinstance(rate_limit, int) or not 1 <= rate_limit <= MAX_RATE_LIMIT:
        raise ValidationFailed(f"rate limit {rate_limit!r}", code="bad_rate_limit", field="rate_limit")
    return rate_limit


def _snapshot(client: ApiClient) -> dict:
    return {"name": client.name, "scope": client.scope.code, "items": client.items, "unmasked": client.unmasked,
            "rate_limit": client.rate_limit, "is_active": client.is_active}


def _require_unmask(actor, before: list[str], after: list[str]) -> None:
    if set(after) - set(before) and not has_cap(actor, Cap.INTERFACE_UNMASK):
        raise Forbidden("Unmasking items needs interface.unmask", code="unmask_not_allowed")


@transaction.atomic
def client_register(*, actor, name: str, scope: OrgUnit, items: list[str], unmasked: list[str] | None = None,
                    rate_limit: int = 60) -> tuple[ApiClient, str]:
    """A new client of the actor's authority, with its first secret: returned once, stored as a digest only."""
    require_cap(actor, Cap.INTERFACE_MANAGE)
    items, unmasked = _profile(actor=actor, items=items, unmasked=unmasked)
    _require_unmask(actor, [], unmasked)
    now = clock.now()
    client = ApiClient.objects.create(
        name=name.strip(), owner=actor.org_unit, scope=_checked_scope(actor=actor, scope=scope),
        client_id=CLIENT_ID_PREFIX + secrets.token_hex(8), items=items, unmasked=unmasked,
        rate_limit=_checked_rate(rate_limit), created_by=actor)
    secret = _issue_secret(client, now)
    audit_record(actor=actor, action="interface.client_register", obj=client, after=_snapshot(client))
    return client, secret


def _locked(actor, client: ApiClient) -> ApiClient:
    require_cap(actor, Cap.INTERFACE_MANAGE)
    client = ApiClient.objects.select_for_update().select_related("scope").get(pk=client.pk)
    if not client.is_active:
        raise Conflict("The client is revoked", code="client_revoked")
    return client


@transaction.atomic
def client_update(*, actor, client: ApiClient, name: str, scope: OrgUnit, items: list[str],
                  unmasked: list[str] | None = None, rate_limit: int) -> ApiClient:
    client = _locked(actor, client)
    before = _snapshot(client)
    items, unmasked = _profile(actor=actor, items=items, unmasked=unmasked)
    _require_unmask(actor, client.unmasked, unmasked)
    client.name = name.strip()
    client.scope = _checked_scope(actor=actor, scope=scope)
    client.items, client.unmasked = items, unmasked
    client.rate_limit = _checked_rate(rate_limit)
    client.save()
    audit_record(actor=actor, action="interface.client_update", obj=client, before=before, after=_snapshot(client))
    return client


@transaction.atomic
def client_rotate(*, actor, client: ApiClient, overlap_hours: int | None = None) -> str:
    """A new secret; the live ones keep working for the overlap (XUEJI_INTERFACE_ROTATION_OVERLAP_HOURS, 0: end
    now), so the client's system can switch without a gap. Returns the new secret, shown once."""
    client = _locked(actor, client)
    hours = settings.XUEJI_INTERFACE_ROTATION_OVERLAP_HOURS if overlap_hours is None else overlap_hours
    if not isinstance(hours, int) or not 0 <= hours <= 24 * 30:
        raise ValidationFailed(f"overlap {hours!r}", code="invalid", field="overlap_hours")
    now = clock.now()
    ends = now + dt.timedelta(hours=hours)
    live = client.secrets.filter(created_at__lte=now).exclude(expires_at__lte=now)
    live.filter(expires_at__isnull=True).update(expires_at=ends)
    live.filter(expires_at__gt=ends).update(expires_at=ends)
    secret = _issue_secret(client, now)
    client.rotated_at = now
    client.save(update_fields=["rotated_at", "updated_at"])
    audit_record(actor=actor, action="interface.client_rotate", obj=client,
                 after={"old_secrets_end": ends.isoformat(), "overlap_hours": hours})
    return secret


@transaction.atomic
def client_revoke(*, actor, client: ApiClient) -> ApiClient:
    """The client stops at once: every secret ends, every call is refused (401). Final."""
    client = _locked(actor, client)
    now = clock.now()
    client.is_active, client.revoked_at = False, now
    client.save(update_fields=["is_active", "revoked_at", "updated_at"])
    client.secrets.exclude(expires_at__lte=now).update(expires_at=now)
    audit_record(actor=actor, action="interface.client_revoke", obj=client, before={"is_active": True},
                 after={"is_active": False})
    return client


def client_throttle(*, client: ApiClient) -> None:
    """Count a call in the client's current minute; past its limit RateLimited (429). In the database, so every
    server process shares the count (the cache is per process here). Old windows are removed on the way."""
    now = clock.now()
    minute = now.replace(second=0, microsecond=0)
    with transaction.atomic():
        if not ApiRateWindow.objects.filter(client=client, minute=minute).update(calls=F("calls") + 1):
            try:
                with transaction.atomic():
                    ApiRateWindow.objects.create(client=client, minute=minute, calls=1)
                ApiRateWindow.objects.filter(client=client, minute__lt=minute).delete()
            except IntegrityError:  # another process opened the minute first
                ApiRateWindow.objects.filter(client=client, minute=minute).update(calls=F("calls") + 1)
        calls = ApiRateWindow.objects.filter(client=client, minute=minute).values_list("calls", flat=True).first()
    if calls is not None and calls > client.rate_limit:
        retry = 60 - now.second
        raise RateLimited(f"{calls} calls this minute, limit {client.rate_limit}", details={"retry_after": retry})


def call_record(*, client: ApiClient, endpoint: str, status: int, count: int | None = None,
                extra: dict | None = None) -> None:
    """The audit row of one call of a client: which endpoint, the answer's status, how many pupils or changes it
    carried; never the data."""
    after = {"endpoint": endpoint, "status": status, **({"count": count} if count is not None else {}),
             **(extra or {})}
    audit_record(actor=None, username=f"client:{client.client_id}", org_unit=client.owner,
                 action="interface.call", obj=client, after=after, success=status < 400)


def call_refused(*, client_id: str, endpoint: str, status: int) -> None:
    """The audit row of a call whose credentials were refused (401): the client id it named, no client row."""
    audit_record(actor=None, username=f"client:{client_id}"[:150], action="interface.call",
                 object_type="interface.apiclient", object_repr=client_id[:64], success=False,
                 after={"endpoint": endpoint, "status": status})


def changes_stamp(*, limit: int = STAMP_BATCH) -> int:
    """Give cursors to the changes committed so far, in one serialised step, so a cursor handed out is never
    followed by a lower one becoming visible.

    PostgreSQL: the stampers take turns (an advisory lock held to their commit). A stamper's UPDATE (READ COMMITTED:
    its snapshot is taken after the lock is granted) sees every committed change and the stamps of every earlier
    stamper, and stamps what is left from the cursor sequence; changes of transactions still running are invisible
    to it and get higher cursors later. So cursors follow the order in which changes became visible, and a reader
    that saw cursor N has seen every cursor below it. SQLite has one writer at a time: a row's id already follows
    the commits."""
    with transaction.atomic(), connection.cursor() as cursor:
        table = triggers.CHANGE_TABLE
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_STAMP_LOCK])
            cursor.execute(
                f"WITH ready AS (SELECT id FROM {table} WHERE seq IS NULL ORDER BY id LIMIT %s) "  # noqa: S608
                f"UPDATE {table} c SET seq = nextval('{triggers.CURSOR_SEQUENCE}') FROM ready WHERE c.id = ready.id",
                [limit])
        else:
            cursor.execute(f"UPDATE {table} SET seq = id WHERE id IN (SELECT id FROM {table} "  # noqa: S608
                           "WHERE seq IS NULL ORDER BY id LIMIT %s)", [limit])
        return cursor.rowcount
