"""Account writes: creation, roles, deactivation, password change and reset. All audited.

三员分立 (separation of the three duties, 等保 2.0): every account has one duty, system administration, audit or
business (`models.Duty`), for life. The business roles of an account are granted and revoked by the security
administrator (`user_roles_set`): a system administrator creates a business account without roles. Who manages an
account follows from its duty, in `_require_manager_of`:
business accounts by a system administrator of their unit or above; system administrator accounts by a system
administrator of a level above; auditor accounts by an auditor of a level above (the first ones by
`manage.py create_sysadmin` / `create_auditor`). So no one can give themselves or a colleague a second duty, and a
system administrator can neither create an auditor nor reset one's password to read the audit log.
"""

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import format_lazy

from xueji.accounts.hooks import role_granted
from xueji.accounts.jurisdiction import require_org_within
from xueji.accounts.models import (
    BUSINESS_ROLES,
    EXCLUSIVE_ROLES,
    ROLES_BY_KIND,
    Duty,
    PasswordHistory,
    Role,
    RoleAssignment,
    User,
    duty_of,
    normalise_username,
)
from xueji.accounts.permissions import Cap, has_cap, require_cap
from xueji.audit.services import audit_record, diff, snapshot
from xueji.core import clock, versions
from xueji.core.errors import Forbidden, ValidationFailed
from xueji.regions.models import OrgUnit

USER_AUDIT_FIELDS = ("username", "full_name", "phone", "email", "org_unit", "is_active", "must_change_password")


def _validate_roles(*, org_unit: OrgUnit, roles: Iterable[str], allow_none: bool = False) -> list[str]:
    wanted = sorted(set(roles))
    if not wanted and allow_none:
        return wanted
    if not wanted:
        raise ValidationFailed("A user needs at least one role.", code="roles_required", field="roles")
    for role in wanted:
        if role not in Role.values:
            raise ValidationFailed(f"Unknown role {role!r}.", code="unknown_role", field="roles")
        if role not in ROLES_BY_KIND[org_unit.kind]:
            raise ValidationFailed(f"Role {role} does not exist at a {org_unit.kind}.", code="role_not_at_level",
                                   field="roles")
    exclusive = EXCLUSIVE_ROLES.intersection(wanted)
    if exclusive and len(wanted) > 1:
        raise ValidationFailed(
            "System administrators, security administrators and auditors hold no other role (separation of "
            "duties).",
            code="separation_of_duties", field="roles")
    return wanted


def _validate_password(password: str, user: User | None, *, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        reused = all(error.code == "password_reused" for error in exc.error_list)
        # The validators' own words (already in the reader's language) say what to change: they are the message.
        raise ValidationFailed(format_lazy("{}", " ".join(exc.messages)),
                               code="password_reused" if reused else "weak_password",
                               field=field, details={field: list(exc.messages)}) from None


def _store_password(user: User, password: str, *, update_fields: list[str] | None = None) -> None:
    """Set and save a (validated) password and keep its hash in the account's history (the last N)."""
    from django.conf import settings

    now = clock.now()
    previous, previous_at = user.password, min(user.password_changed_at or now, now)
    if user.pk is not None and previous and not PasswordHistory.objects.filter(user=user, password=previous).exists():
        # An account from before the history (or from the demo data): its current password counts too.
        PasswordHistory.objects.create(user=user, password=previous, created_at=previous_at)
    user.set_password(password)
    user.password_changed_at = now
    user.save(update_fields=update_fields)
    PasswordHistory.objects.create(user=user, password=user.password, created_at=user.password_changed_at)
    keep = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[:settings.XUEJI_PASSWORD_HISTORY]
    PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()


def revoke_credentials(user: User, *, keep_token: str | None = None) -> None:
    """End the account's sessions (a new security stamp fails their auth hash at their next request) and delete
    its API tokens, but the one `keep_token` names (a self-service change keeps the caller signed in).
    The caller saves the user."""
    from rest_framework.authtoken.models import Token

    user.rotate_security_stamp()
    tokens = Token.objects.filter(user=user)
    if keep_token:
        tokens = tokens.exclude(key=keep_token)
    tokens.delete()


def _require_manager_of(actor: User, target_org: OrgUnit, duty: Duty, *, self_edit: bool = False) -> None:
    """May the actor manage an account of this duty at this org unit (see the module's docstring)?"""
    if duty == Duty.AUDIT:
        if not has_cap(actor, Cap.AUDITOR_MANAGE):
            raise Forbidden("Auditor accounts are managed by the auditor of a level above only.",
                            code="auditor_accounts")
    elif not has_cap(actor, Cap.USER_MANAGE):
        if has_cap(actor, Cap.AUDITOR_MANAGE):
            raise Forbidden("Auditors manage auditor accounts only.", code="auditor_accounts")
        require_cap(actor, Cap.USER_MANAGE)
    require_org_within(actor, target_org)
    if duty != Duty.BUSINESS and not self_edit and target_org.path == actor.org_unit.path:
        raise Forbidden("Administrator and auditor accounts are managed from the level above.",
                        code="manager_level")


def _set_roles(user: User, roles: list[str], *, moved: bool = False) -> None:
    """The user's roles become `roles`; the roles new to the user (all of them after a move to another unit) are
    announced to the apps that act on them (accounts.hooks: a new registrar is enrolled in training)."""
    RoleAssignment.objects.filter(user=user).exclude(role__in=roles).delete()
    existing = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=r) for r in roles if r not in existing])
    user._role_cache = frozenset(roles)
    role_granted(user=user, roles=set(roles) if moved else set(roles) - existing)


@transaction.atomic
def user_create(*, actor: User, username: str, full_name: str, org_unit: OrgUnit, roles: Iterable[str],
                password: str, phone: str = "", email: str = "") -> User:
    """A business account by a system administrator at their own level or below, an administrator or auditor
    account by the system administrator or auditor of a level above; it must change its password."""
    roles = list(roles)
    _require_manager_of(actor, org_unit, duty_of(roles))
    role_list = _validate_roles(org_unit=org_unit, roles=roles, allow_none=True)
    if BUSINESS_ROLES.intersection(role_list):
        # 三员分立: roles are the security administrator's to grant (user_roles_set), not the creator's.
        raise Forbidden("A business account is created without roles; its security administrator grants them.",
                        code="roles_by_security")
    username = normalise_username(username)  # NFKC: a full-width ｚｈａｎｇ is zhang (SECURITY.md §1 row 1)
    if not username:
        raise ValidationFailed("The username is required.", code="required", field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(f"The username {username} is taken.", code="username_taken", field="username")
    user = User(username=username, full_name=full_name.strip(), org_unit=org_unit, phone=phone, email=email,
                must_change_password=True)
    _validate_password(password, user)
    _store_password(user, password)
    _set_roles(user, role_list)
    audit_record(actor=actor, action="user.create", obj=user,
                 after={**snapshot(user, USER_AUDIT_FIELDS), "roles": role_list})
    return user


# What an account's version covers (SECURITY.md row 38, core.versions): what its edit page and PATCH show and change,
# and its roles; not the password, the last login or the security stamp, which change without an edit.
USER_VERSION_FIELDS = ("username", "full_name", "phone", "email", "org_unit", "is_active")


def _user_roles(user: User) -> list:
    return [sorted(user.role_set)]


def user_version(user: User) -> str:
    """The version of an account as its edit shows it (the ETag of GET /api/v1/users/<pk>/, the page's hidden
    field)."""
    return versions.version_of(user, *_user_roles(user), fields=USER_VERSION_FIELDS)


@transaction.atomic
def user_update(*, actor: User, user: User, full_name: str | None = None, phone: str | None = None,
                email: str | None = None, org_unit: OrgUnit | None = None,
                roles: Iterable[str] | None = None, version: str | None = None) -> User:
    """`version` (If-Match, the page's hidden field): refused 412 stale_version when the account changed since it was
    read (`user_version`), under the row lock."""
    duty = duty_of(user.role_set)
    _require_manager_of(actor, user.org_unit, duty, self_edit=user.pk == actor.pk)
    user = versions.locked_at_version(user, version, fields=USER_VERSION_FIELDS, also=_user_roles)
    if user.pk == actor.pk and (roles is not None or org_unit is not None):
        raise Forbidden("You cannot change your own roles or organisation unit.", code="self_escalation")
    before = {**snapshot(user, USER_AUDIT_FIELDS), "roles": sorted(user.role_set)}
    moved = org_unit is not None and org_unit.pk != user.org_unit_id
    if moved:
        _require_manager_of(actor, org_unit, duty)  # never outside one's jurisdiction, nor to one's own level
        user.org_unit = org_unit
    if full_name is not None:
        user.full_name = full_name.strip()
    if phone is not None:
        user.phone = phone
    if email is not None:
        user.email = email
    if roles is not None and set(roles) != set(user.role_set) and duty_of(roles) == duty:
        raise Forbidden("Roles are granted by the security administrator.", code="roles_by_security")
    new_roles = _validate_roles(org_unit=user.org_unit, roles=roles if roles is not None else user.role_set,
                                allow_none=duty == Duty.BUSINESS)
    if duty_of(new_roles) != duty:
        raise ValidationFailed("An account keeps its duty (system administration, audit or business); create a "
                               "new account for the other duty.", code="duty_change", field="roles")
    user.save()
    _set_roles(user, new_roles, moved=moved)
    after = {**snapshot(user, USER_AUDIT_FIELDS), "roles": new_roles}
    audit_record(actor=actor, action="user.update", obj=user, before=diff(before, after)[0],
                 after=diff(before, after)[1])
    return user


@transaction.atomic
def user_roles_set(*, actor: User, user: User, roles: Iterable[str]) -> User:
    """Grant and revoke the business roles of an account (三员分立: the security administrator's duty, for the
    accounts it looks after, selectors.security_user_list); an administrator's or auditor's one role is its duty,
    given when the account is made, and never changes."""
    from xueji.accounts.selectors import security_user_get

    require_cap(actor, Cap.SECURITY_MANAGE)
    user = security_user_get(user=actor, pk=user.pk)
    if duty_of(user.role_set) != Duty.BUSINESS:
        raise Forbidden("An administrator's role is its duty and does not change.", code="duty_change")
    wanted = list(roles)
    if not BUSINESS_ROLES.issuperset(wanted):
        raise ValidationFailed("Only business roles are granted here.", code="separation_of_duties", field="roles")
    new_roles = _validate_roles(org_unit=user.org_unit, roles=wanted, allow_none=True)
    before = sorted(user.role_set)
    if new_roles == before:
        return user
    _set_roles(user, new_roles)
    if set(before) - set(new_roles):  # a revoked role ends the sessions that held it (S22)
        revoke_credentials(user)
        user.save(update_fields=["security_stamp"])
    audit_record(actor=actor, action="user.roles", obj=user, before={"roles": before}, after={"roles": new_roles})
    return user


@transaction.atomic
def user_set_active(*, actor: User, user: User, is_active: bool) -> User:
    _require_manager_of(actor, user.org_unit, duty_of(user.role_set))
    if user.pk == actor.pk:
        raise Forbidden("You cannot deactivate your own account.", code="self_deactivate")
    before = user.is_active
    user.is_active = is_active
    fields = ["is_active"]
    if not is_active:  # so that a reactivation revives no old session or token
        revoke_credentials(user)
        fields.append("security_stamp")
    user.save(update_fields=fields)
    if not is_active:
        sessions_end(user)
    audit_record(actor=actor, action="user.activate" if is_active else "user.deactivate", obj=user,
                 before={"is_active": before}, after={"is_active": is_active})
    return user


def sessions_end(*users: User) -> int:
    """Delete every stored session of the accounts at once (a disabled account: SECURITY.md §1 row 9), not only at
    their next request as the security stamp does: one pass over the session table, whatever the number of
    accounts. The table holds the live sessions only (the cleanup deletes the expired ones); an engine without a
    table keeps the stamp's answer."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import SESSION_KEY

    model = getattr(import_module(settings.SESSION_ENGINE).SessionStore, "get_model_class", None)
    if model is None:
        return 0
    sessions = model().objects.filter(expire_date__gt=clock.now())
    pks = {str(user.pk) for user in users}
    keys = [session.session_key for session in sessions.iterator()
            if str(session.get_decoded().get(SESSION_KEY)) in pks]
    model().objects.filter(session_key__in=keys).delete()
    return len(keys)


def idle_accounts_disable() -> dict:
    """Disable the active accounts that have not signed in for XUEJI_ACCOUNT_IDLE_DAYS days (never signed in: since
    they were made; 0 turns it off): the job worker's periodic work and `manage.py accounts_disable_idle`. Each one
    is audited (`user.idle_disable`, actor system), its sessions and tokens end. A disabled account is enabled again
    by its administrator (user_set_active) or, for a level's first administrators, `manage.py create_sysadmin`."""
    from django.conf import settings
    from django.db.models import Q
    from django.db.models.functions import Coalesce

    days = int(getattr(settings, "XUEJI_ACCOUNT_IDLE_DAYS", 90))
    if days <= 0:
        return {"disabled": 0}
    cutoff = clock.now() - dt.timedelta(days=days)
    due = list(User.objects.filter(is_active=True).annotate(seen=Coalesce("last_login", "date_joined"))
               .filter(Q(seen__lt=cutoff)).values_list("pk", flat=True))
    disabled = []
    for pk in due:  # few at a time: an account turns idle once
        with transaction.atomic():
            user = User.objects.select_for_update(of=("self",)).select_related("org_unit").filter(
                pk=pk, is_active=True).first()
            if user is None:
                continue
            user.is_active = False
            revoke_credentials(user)
            user.save(update_fields=["is_active", "security_stamp"])
            audit_record(actor=None, username="system", action="user.idle_disable", obj=user,
                         org_unit=user.org_unit, before={"is_active": True},
                         after={"is_active": False, "last_login": user.last_login.isoformat() if user.last_login
                                else None, "idle_days": days})
            disabled.append(user)
    if disabled:
        sessions_end(*disabled)  # one pass over the sessions for the run's accounts
    return {"disabled": len(disabled)}


@transaction.atomic
def user_reset_password(*, actor: User, user: User, new_password: str) -> User:
    """An administrator sets a temporary password; the user must change it at next login."""
    _require_manager_of(actor, user.org_unit, duty_of(user.role_set))
    if user.pk == actor.pk:
        raise Forbidden("Change your own password on the password page.", code="self_reset")
    _validate_password(new_password, user, field="new_password")
    user.must_change_password = True
    revoke_credentials(user)
    _store_password(user, new_password, update_fields=["password", "password_changed_at", "must_change_password",
                                                        "security_stamp"])
    _unlock(user)
    audit_record(actor=actor, action="user.password_reset", obj=user, after={"must_change_password": True})
    return user


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str, keep_token: str | None = None) -> User:
    """A user changes their own password. Their other sessions and their API tokens end; the caller keeps the
    current session (update_session_auth_hash) or the token it came with (`keep_token`). Never while a password
    loan's borrower acts on behalf of the user (accounts/loans.py)."""
    from xueji.core import context

    if context.current().acted_by:  # the rule of accounts.loans.require_not_acting (imported here it makes a cycle)
        raise Forbidden("Not while acting on behalf of another account.", code="loan_acting")
    if not user.check_password(old_password):
        raise ValidationFailed("The current password is wrong.", code="wrong_password", field="old_password")
    if old_password == new_password:
        raise ValidationFailed("The new password must differ from the current one.", code="password_reused",
                               field="new_password")
    _validate_password(new_password, user, field="new_password")
    user.must_change_password = False
    revoke_credentials(user, keep_token=keep_token)
    _store_password(user, new_password, update_fields=["password", "password_changed_at", "must_change_password",
                                                        "security_stamp"])
    audit_record(actor=user, action="user.password_change", obj=user)
    return user


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> User:
    """Lift a lockout: the security administrator's (三员分立), for an account it sees in its list
    (selectors.security_user_list: the levels below, and the business accounts of its own unit)."""
    from xueji.accounts.selectors import security_user_get

    require_cap(actor, Cap.SECURITY_MANAGE)
    user = security_user_get(user=actor, pk=user.pk)
    _unlock(user)
    audit_record(actor=actor, action="user.unlock", obj=user)
    return user


def _unlock(user: User) -> None:
    from axes.models import AccessAttempt

    AccessAttempt.objects.filter(username=user.username).delete()


def user_is_locked(user: User) -> bool:
    from axes.helpers import get_failure_limit
    from axes.models import AccessAttempt

    from xueji.accounts.security_settings import lock_minutes_for

    cutoff = clock.now() - dt.timedelta(minutes=lock_minutes_for(user))
    failures = sum(AccessAttempt.objects.filter(username=user.username, attempt_time__gte=cutoff)
                   .values_list("failures_since_start", flat=True))
    return failures >= get_failure_limit(None, {"username": user.username})


def bootstrap_account(*, username: str, password: str, org_unit: OrgUnit, role: Role) -> User:
    """The first system administrator, security administrator or auditor of an org unit, or a new password for one
    (management commands only: no actor exists yet, or none may reset it). An existing account of another duty is
    refused."""
    if role not in EXCLUSIVE_ROLES:
        raise ValidationFailed("Only system administrators, security administrators and auditors are created this "
                               "way.", code="unknown_role")
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username, defaults={"org_unit": org_unit})
        if not created and duty_of(user.role_set) != duty_of([role]):
            raise ValidationFailed(f"{username} is an account of another duty; choose another username.",
                                   code="duty_change", field="username")
        user.org_unit = org_unit
        _validate_password(password, user)
        user.must_change_password = False
        user.is_active = True  # a first administrator disabled as idle comes back this way (idle_accounts_disable)
        if not created:
            revoke_credentials(user)
        _store_password(user, password)
        _set_roles(user, [role])
        audit_record(actor=None, username="system", action="user.bootstrap", obj=user, org_unit=org_unit,
                     after={"roles": [role]})
    return user



__all__ = ["BUSINESS_ROLES", "user_create", "user_update", "user_roles_set", "user_set_active", "user_reset_password",
           "password_change", "user_unlock", "bootstrap_account", "sessions_end", "idle_accounts_disable"]


@transaction.atomic
def token_issue(*, user: User, second_factor_proved: bool = False):
    """A fresh API token for a user who just proved their password; the previous one stops working."""
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    user.last_login = clock.now()  # a client of the API only is not idle (idle_accounts_disable)
    user.save(update_fields=["last_login"])
    audit_record(actor=user, action="auth.token", obj=user, after={"second_factor": second_factor_proved})
    return token
