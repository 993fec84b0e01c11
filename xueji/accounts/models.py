import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from xueji.core import clock
from xueji.regions.models import OrgKind


class Role(models.TextChoices):
    REGISTRAR = "registrar", _("Registrar")
    LEADER = "leader", _("Leader")
    SYSADMIN = "sysadmin", _("System administrator")
    ADMISSIONS = "admissions", _("Admissions officer")
    AUDITOR = "auditor", _("Auditor")
    SECURITY = "security", _("Security administrator")


# Separation of duties: these roles are held alone (三员: system, security and audit administrators).
EXCLUSIVE_ROLES = frozenset({Role.SYSADMIN, Role.AUDITOR, Role.SECURITY})
BUSINESS_ROLES = frozenset({Role.REGISTRAR, Role.LEADER, Role.ADMISSIONS})


class Duty(models.TextChoices):
    """三员分立: system administration (accounts, configuration), security administration (second factors,
    lockouts, password loans, security settings), audit (the audit log), and the business. An account has exactly
    one, for life: its roles may change within the duty only."""

    SYSADMIN = "sysadmin", _("System administration")
    SECURITY = "security", _("Security administration")
    AUDIT = "audit", _("Audit")
    BUSINESS = "business", _("Business")


def duty_of(roles) -> Duty:
    roles = set(roles)
    if Role.SYSADMIN in roles:
        return Duty.SYSADMIN
    if Role.AUDITOR in roles:
        return Duty.AUDIT
    if Role.SECURITY in roles:
        return Duty.SECURITY
    return Duty.BUSINESS


ROLES_BY_KIND = {
    OrgKind.SCHOOL: (Role.REGISTRAR, Role.LEADER, Role.SYSADMIN, Role.AUDITOR, Role.SECURITY),
    OrgKind.COUNTY: tuple(Role),
    OrgKind.CITY: tuple(Role),
    OrgKind.PROVINCE: tuple(Role),
    OrgKind.MINISTRY: tuple(Role),
}


def new_security_stamp() -> str:
    return secrets.token_hex(16)


class User(AbstractUser):
    """A person with an account. Belongs to exactly one org unit and sees only its jurisdiction."""

    jurisdiction_path = "org_unit__path"

    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="users",
                                 verbose_name=_("organisation unit"), null=True)
    full_name = models.CharField(_("full name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    # Part of every session's auth hash: a new stamp signs out every session of the account at its next request
    # (password change, reset, deactivation), without scanning the session table.
    security_stamp = models.CharField(max_length=32, default=new_security_stamp, editable=False)

    objects = UserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return f"{self.full_name or self.username} ({self.username})"

    @property
    def role_set(self) -> frozenset[str]:
        cached = getattr(self, "_role_cache", None)
        if cached is None:
            cached = frozenset(self.role_assignments.values_list("role", flat=True))
            self._role_cache = cached
        return cached

    def _get_session_auth_hash(self, secret=None):
        # Django's get_session_auth_hash and its SECRET_KEY_FALLBACKS variant both come here; the hash covers the
        # password hash and the security stamp, so rotating the stamp ends the account's sessions.
        return salted_hmac("xueji.accounts.User.session_auth_hash", f"{self.password}|{self.security_stamp}",
                           secret=secret, algorithm="sha256").hexdigest()

    def rotate_security_stamp(self) -> None:
        self.security_stamp = new_security_stamp()

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set.intersection(roles))

    def password_expired(self, max_age_days: int) -> bool:
        if self.must_change_password:
            return True
        if self.password_changed_at is None:
            return True
        return (clock.now() - self.password_changed_at).days >= max_age_days


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]
        verbose_name = _("role assignment")

    def __str__(self) -> str:
        return f"{self.user.username}: {self.role}"


class PasswordHistory(models.Model):
    """The hashes of an account's recent passwords (XUEJI_PASSWORD_HISTORY of them), so none is used again."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("password history entry")

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class DenialCounter(models.Model):
    """Refused accesses (403, 404) per user and minute: the counter behind the coalesced `access.denied` audit
    rows (audit.services.audit_denial), so that a scan of a thousand URLs writes a few rows, not a thousand.
    A working table, not the log: its rows change, and old ones are deleted."""

    actor_id = models.BigIntegerField()
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor_id", "minute"], name="denial_counter_actor_minute")]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.minute:%Y-%m-%d %H:%M} {self.count}"
