"""Every read of the data interface: the province administrator's clients and their call log; a client's
credentials; the pupils of a client's scope and the change feed."""

import hmac
from dataclasses import dataclass, field

from django.db.models import Max, QuerySet

from xueji.accounts.jurisdiction import get_within, within
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.errors import Gone, NotFound, ValidationFailed
from xueji.interface.choices import ChangeOp, FeedOp
from xueji.interface.filters import ApiClientFilterSet
from xueji.interface.models import PURGED_OP, ApiClient, ApiSecret, StudentChange
from xueji.interface.principal import ClientPrincipal
from xueji.interface.services import digest
from xueji.regions.models import OrgKind, OrgUnit
from xueji.registry.models import RegStatus, Student
from xueji.schools.models import School

# ---------------------------------------------------------------- the administrator's


def client_list(*, user, filters: dict | None = None) -> QuerySet[ApiClient]:
    require_cap(user, Cap.INTERFACE_MANAGE)
    qs = within(ApiClient.objects.select_related("scope", "owner"), user)
    return ApiClientFilterSet.narrow(qs, filters, user=user)


def client_totals(*, user) -> dict[str, int]:
    qs = client_list(user=user)
    active = qs.filter(is_active=True).count()
    total = qs.count()
    return {"all": total, "active": active, "revoked": total - active}


def client_get(*, user, pk) -> ApiClient:
    require_cap(user, Cap.INTERFACE_MANAGE)
    return get_within(ApiClient.objects.select_related("scope", "owner"), user, pk=pk)


def client_secrets(*, user, client: ApiClient) -> QuerySet[ApiSecret]:
    """The client's secrets (their times only: the digests never leave the database's side)."""
    require_cap(user, Cap.INTERFACE_MANAGE)
    return client.secrets.only("created_at", "expires_at").order_by("-created_at")


def client_calls(*, user, client: ApiClient) -> QuerySet[AuditEvent]:
    """The client's calls: the audit rows the interface wrote for it (endpoint, status, counts; no pupil data)."""
    require_cap(user, Cap.INTERFACE_MANAGE)
    return AuditEvent.objects.filter(action="interface.call", object_type="interface.apiclient",
                                     object_id=str(client.pk)).order_by("-created_at", "-pk")


def scope_choices(*, user) -> QuerySet[OrgUnit]:
    """The authorities a client's scope may be: the administrator's own and those below it."""
    require_cap(user, Cap.INTERFACE_MANAGE)
    return within(OrgUnit.objects.filter(kind__in=[OrgKind.PROVINCE, OrgKind.CITY, OrgKind.COUNTY],
                                         is_active=True), user)


def scope_for_region(*, user, code: str) -> OrgUnit | None:
    """The authority of a region code (the region picked in the form), if it is within the administrator's reach."""
    return scope_choices(user=user).filter(code=code).first()


# ---------------------------------------------------------------- a client's


def client_authenticate(*, client_id: str, secret: str) -> ApiClient | None:
    """The active client whose live secret this is, or None (unknown id, wrong, expired or revoked)."""
    client = ApiClient.objects.select_related("scope", "owner").filter(client_id=client_id, is_active=True).first()
    if client is None:
        digest(secret)  # the same work either way
        return None
    now = clock.now()
    given = digest(secret)
    for stored in client.secrets.filter(created_at__lte=now).exclude(expires_at__lte=now).values_list(
            "digest", flat=True):
        if hmac.compare_digest(stored, given):
            return client
    return None


def _pupils(principal: ClientPrincipal) -> QuerySet[Student]:
    """The pupils a client sees: the registered records of its scope, as a user of the scope's authority would."""
    return within(Student.objects.filter(reg_status=RegStatus.REGISTERED).select_related("school", "school_class"),
                  principal)


def pupil_page(*, principal: ClientPrincipal, after: int, limit: int) -> list[Student]:
    """One page in id order after `after` (keyset: the cost does not grow with the page number)."""
    return list(_pupils(principal).filter(pk__gt=after).order_by("pk")[:limit])


def pupil_get(*, principal: ClientPrincipal, pk) -> Student:
    pupil = _pupils(principal).filter(pk=pk).first()
    if pupil is None:
        raise NotFound("pupil not found")
    return pupil


def feed_head() -> int:
    """The highest cursor handed out so far (a full read started now continues in the feed from it)."""
    return StudentChange.objects.aggregate(head=Max("seq"))["head"] or 0


@dataclass
class FeedPage:
    entries: list[dict] = field(default_factory=list)  # {"cursor", "op", "id", "pupil"}
    next_cursor: int = 0
    has_more: bool = False
    pupils: dict[int, Student] = field(default_factory=dict)


def check_cursor(value, *, name: str = "cursor", code: str = "bad_cursor", low: int = 0,
                 high: int | None = None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < low or (high is not None and number > high) or str(value).strip() != str(number):
        raise ValidationFailed(f"{name}={value!r}", code=code, field=name)
    return number


def change_page(*, principal: ClientPrincipal, cursor: int, limit: int) -> FeedPage:
    """The changes after `cursor` as the client sees them, in cursor order: a pupil created or updated inside the
    scope (its current items), or deleted, or gone out of the scope or out of the registered records (a deletion).
    Reads at most `limit` changes of the whole province by the cursor's index (the cost does not grow with the
    table); changes outside the scope are passed over, so a page may hold fewer entries (`has_more` says whether
    to call again at once)."""
    rows = list(StudentChange.objects.filter(seq__gt=cursor).order_by("seq")[:limit])
    if rows and rows[0].op == PURGED_OP:  # the changes after this cursor are past their retention, deleted
        raise Gone(f"changes after cursor {cursor} were deleted by the retention", code="cursor_expired")
    page = FeedPage(next_cursor=rows[-1].seq if rows else cursor, has_more=len(rows) == limit)
    schools = {r.old_school_id for r in rows} | {r.new_school_id for r in rows}
    in_scope = set(within(School.objects.filter(pk__in=schools - {None}), principal).values_list("pk", flat=True))
    page.pupils = {p.pk: p for p in _pupils(principal).filter(pk__in={r.student_id for r in rows})}
    for row in rows:
        was, now = row.old_school_id in in_scope, row.new_school_id in in_scope
        if not (was or now):
            continue
        pupil = page.pupils.get(row.student_id)
        if pupil is None:
            op = FeedOp.DELETED
        elif row.op == ChangeOp.INSERT or not was:
            op = FeedOp.CREATED
        else:
            op = FeedOp.UPDATED
        page.entries.append({"cursor": row.seq, "op": op, "id": row.student_id, "pupil": pupil})
    return page
