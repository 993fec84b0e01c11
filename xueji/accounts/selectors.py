import datetime as dt

from django.conf import settings
from django.db.models import Q, QuerySet

from xueji.accounts.jurisdiction import get_within, within
from xueji.accounts.models import User
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.filters import as_bool, as_int, typed


def user_list(*, user, filters: dict | None = None) -> QuerySet[User]:
    """Accounts a system administrator manages: their own org unit and below."""
    require_cap(user, Cap.USER_MANAGE)
    qs = within(User.objects.select_related("org_unit").prefetch_related("role_assignments"), user)
    filters = typed(filters, org_unit=as_int, is_active=as_bool)
    if q := filters.get("q"):
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    if org_unit := filters.get("org_unit"):
        qs = qs.filter(org_unit_id=org_unit)
    if role := filters.get("role"):
        qs = qs.filter(role_assignments__role=role)
    if "is_active" in filters:
        qs = qs.filter(is_active=filters["is_active"])
    return qs


def user_get(*, user, pk) -> User:
    require_cap(user, Cap.USER_MANAGE)
    return get_within(User.objects.select_related("org_unit"), user, pk=pk)


def ip_failures_exceeded(ip: str | None) -> bool:
    """Per-IP rate limit on failed logins, counted from the audit log (one NAT'd office shares an IP,
    so this limit is far above the per-account one)."""
    if not ip:
        return False
    since = clock.now() - dt.timedelta(minutes=settings.XUEJI_IP_FAILURE_WINDOW_MINUTES)
    limit = settings.XUEJI_IP_FAILURE_LIMIT
    # One range of the (ip, action, created_at) index, cut at the limit: an attack never makes this count slow.
    failures = AuditEvent.objects.filter(ip=ip, action="auth.login_failed", created_at__gte=since)[:limit].count()
    return failures >= limit


def locked_usernames(*, usernames) -> set[str]:
    """Which of these accounts are locked out now (the same rule as services.user_is_locked), in one query:
    lists show the lock state of a whole page without a query per row."""
    from axes.helpers import get_failure_limit
    from axes.models import AccessAttempt
    from django.db.models import Sum

    names = list(usernames)
    if not names:
        return set()
    cutoff = clock.now() - settings.AXES_COOLOFF_TIME
    rows = (AccessAttempt.objects.filter(username__in=names, attempt_time__gte=cutoff).values("username")
            .annotate(failures=Sum("failures_since_start")))
    limit = get_failure_limit(None, None)
    return {row["username"] for row in rows if (row["failures"] or 0) >= limit}
