import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from xueji.accounts.filters import AuditorFilterSet, UserFilterSet
from xueji.accounts.jurisdiction import get_within, within
from xueji.accounts.models import EXCLUSIVE_ROLES, Role, RoleAssignment, SecurityKey, UKeyDevice, User
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.errors import NotFound


def _holds(*roles: str) -> Exists:
    return Exists(RoleAssignment.objects.filter(user=OuterRef("pk"), role__in=roles))


def _below(user) -> Q:
    """Accounts of the levels below the user's own unit (its subtree without itself)."""
    return Q(org_unit__path__startswith=user.org_unit.path) & ~Q(org_unit=user.org_unit_id)


def user_list(*, user, filters: dict | None = None) -> QuerySet[User]:
    """Accounts a system administrator manages (the rule of accounts.services._require_manager_of): business
    accounts of their unit and below, system and security administrators of the levels below, and their own.
    Never auditors."""
    require_cap(user, Cap.USER_MANAGE)
    qs = within(User.objects.select_related("org_unit").prefetch_related("role_assignments"), user)
    qs = qs.filter(~_holds(*EXCLUSIVE_ROLES) | (_holds(Role.SYSADMIN, Role.SECURITY) & _below(user))
                   | Q(pk=user.pk))
    return UserFilterSet.narrow(qs, filters)


def user_get(*, user, pk) -> User:
    require_cap(user, Cap.USER_MANAGE)
    return get_within(user_list(user=user), user, pk=pk)


def auditor_list(*, user, filters: dict | None = None) -> QuerySet[User]:
    """Auditor accounts an auditor manages: those of the levels below their own (三员分立)."""
    require_cap(user, Cap.AUDITOR_MANAGE)
    qs = within(User.objects.select_related("org_unit").prefetch_related("role_assignments"), user)
    qs = qs.filter(_holds(Role.AUDITOR) & _below(user))
    return AuditorFilterSet.narrow(qs, filters)


def auditor_get(*, user, pk) -> User:
    return get_within(auditor_list(user=user), user, pk=pk)


def security_user_list(*, user, filters: dict | None = None) -> QuerySet[User]:
    """Accounts a security administrator (安全管理员) looks after: every account of the levels below its own unit
    and the business accounts of its own unit; never itself (no one unlocks or resets themselves)."""
    require_cap(user, Cap.SECURITY_MANAGE)
    qs = within(User.objects.select_related("org_unit").prefetch_related("role_assignments"), user)
    qs = qs.filter(_below(user) | (Q(org_unit=user.org_unit_id) & ~_holds(*EXCLUSIVE_ROLES))).exclude(pk=user.pk)
    return UserFilterSet.narrow(qs, filters)


def security_user_get(*, user, pk) -> User:
    return get_within(security_user_list(user=user), user, pk=pk)


def enrolled_user_ids(*, user_ids) -> set[int]:
    """Which of these accounts have a confirmed second factor, in one query (a list page's column)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    ids = list(user_ids)
    if not ids:
        return set()
    return set(TOTPDevice.objects.filter(user_id__in=ids, confirmed=True).values_list("user_id", flat=True))


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
    from xueji.accounts.security_settings import cool_off

    cutoff = clock.now() - cool_off()  # the deployment's duration (a level may set a longer one for its accounts)
    rows = (AccessAttempt.objects.filter(username__in=names, attempt_time__gte=cutoff).values("username")
            .annotate(failures=Sum("failures_since_start")))
    limit = get_failure_limit(None, None)
    return {row["username"] for row in rows if (row["failures"] or 0) >= limit}


def auditor_org_units(*, user) -> QuerySet:
    """Where an auditor may place an auditor account: the org units below their own (auditors see no org pages)."""
    from xueji.regions.models import OrgUnit

    require_cap(user, Cap.AUDITOR_MANAGE)
    return within(OrgUnit.objects.select_related("parent"), user).exclude(pk=user.org_unit_id)


def auditor_org_unit_get(*, user, pk):
    return get_within(auditor_org_units(user=user), user, pk=pk)


# ---------------------------------------------------------------- password loans and intrusion alerts

def loan_list_mine(*, user, filters: dict | None = None) -> QuerySet:
    """The loans the user lent or borrowed."""
    from xueji.accounts.models import Loan

    return (Loan.objects.select_related("lender", "borrower", "decided_by")
            .filter(Q(lender=user.pk) | Q(borrower=user.pk)))


def loan_get_mine(*, user, pk):
    return get_within(loan_list_mine(user=user), user, pk=pk)


def loan_list_for_security(*, user, filters: dict | None = None) -> QuerySet:
    """The loans a security administrator decides: those whose lender it looks after (security_user_list)."""
    from xueji.accounts.models import Loan

    require_cap(user, Cap.SECURITY_MANAGE)
    lenders = security_user_list(user=user).values("pk")
    return Loan.objects.select_related("lender", "borrower", "decided_by", "org_unit").filter(lender__in=lenders)


def loan_get_for_security(*, user, pk, lock: bool = False):
    qs = loan_list_for_security(user=user)
    if lock:
        qs = qs.select_for_update(of=("self",))
    return get_within(qs, user, pk=pk)


def loan_borrower_choices(*, user) -> QuerySet[User]:
    """Whom a user may lend to: the active business accounts of its own unit, itself excepted."""
    return (User.objects.filter(org_unit=user.org_unit_id, is_active=True).exclude(pk=user.pk)
            .filter(_holds(Role.REGISTRAR, Role.LEADER, Role.ADMISSIONS)).exclude(_holds(*EXCLUSIVE_ROLES)))


def loan_running_for_borrower(*, user) -> QuerySet:
    """The approved loans the user may act under now."""
    from xueji.accounts.choices import LoanStatus
    from xueji.accounts.models import Loan

    now = clock.now()
    return Loan.objects.select_related("lender").filter(borrower=user.pk, status=LoanStatus.APPROVED,
                                                        starts_at__lte=now, ends_at__gt=now)


def alert_list(*, user, status: str | None = None, filters: dict | None = None) -> QuerySet:
    """The intrusion alerts of the security administrator's jurisdiction (its unit and below)."""
    from xueji.accounts.models import Alert

    require_cap(user, Cap.SECURITY_MANAGE)
    qs = within(Alert.objects.select_related("org_unit", "subject_user", "handled_by"), user)
    status = status or (filters or {}).get("status")
    return qs.filter(status=status) if status else qs


def alert_get(*, user, pk):
    return get_within(alert_list(user=user), user, pk=pk)


def alert_open_count(*, user) -> int:
    from xueji.accounts.choices import AlertStatus

    return alert_list(user=user, status=AlertStatus.OPEN).count()


def alert_evidence(*, alert) -> list[AuditEvent]:
    """The audit rows behind an alert (the first EVIDENCE_ROWS), newest first."""
    return list(AuditEvent.objects.filter(pk__in=alert.audit_ids or []).order_by("-created_at", "-id"))


def security_key_get(*, user, pk: int):
    """One of the user's own security keys (anyone else's is not found)."""
    key = SecurityKey.objects.filter(user=user, pk=pk).first()
    if key is None:
        raise NotFound("No such security key.", code="security_key_not_found")
    return key


def ukey_get(*, user, pk: int):
    """One of the user's own UKeys (anyone else's is not found)."""
    device = UKeyDevice.objects.filter(user=user, pk=pk).first()
    if device is None:
        raise NotFound("No such UKey.", code="ukey_not_found")
    return device
