import secrets
import unicodedata

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from xueji.accounts.choices import AlertKind, AlertStatus, LoanStatus
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


def normalise_username(username: str) -> str:
    """A username as stored: NFKC (full-width and compatibility forms become their plain letters: ｚｈａｎｇ is
    zhang), stripped. Uniqueness is case-blind on top of it (the constraint on Lower(username))."""
    return unicodedata.normalize("NFKC", username or "").strip()


def username_key(username: str) -> str:
    """What two usernames must not share: the normalised username, case-folded."""
    return normalise_username(username).casefold()


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
        # Unique identities (SECURITY.md §1 row 1): no two accounts whose names differ in case only; save()
        # normalises to NFKC first, so neither do compatibility forms (ｚｈａｎｇ, Ｚｈａｎｇ).
        constraints = [models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique",
                                               violation_error_message=_("This username is taken.")),
                       # Each active account is bound to exactly one org unit (the foreign key: never two; this:
                       # never none), SECURITY.md §1 row 6. Such an account could not sign in anyway (no_org_unit).
                       models.CheckConstraint(condition=models.Q(is_active=False) | models.Q(org_unit__isnull=False),
                                              name="accounts_user_active_in_an_org_unit")]

    def __str__(self) -> str:
        return f"{self.full_name or self.username} ({self.username})"

    def save(self, *args, **kwargs):
        self.username = normalise_username(self.username)
        super().save(*args, **kwargs)

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


ROLE_MAC_PURPOSE = "role"


def role_mac(user_id, role) -> str:
    """The record MAC of a role assignment (SECURITY.md row 23, 39786 8.4b: integrity of the access-control
    information): HMAC-SM3 under the key ring's index key over the user and the role, so a row added or changed
    by direct SQL (a role given to another account) no longer verifies (`manage.py record_macs`)."""
    from xueji.core.integrity import record_mac

    return record_mac(ROLE_MAC_PURPOSE, (user_id, role))


class RoleAssignmentManager(models.Manager):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.mac = role_mac(obj.user_id, obj.role)
        return super().bulk_create(objs, *args, **kwargs)


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)
    # Set on every save and bulk_create (RoleAssignmentManager): the only ways the application writes a role.
    mac = models.CharField(_("integrity code"), max_length=64, blank=True, default="")

    objects = RoleAssignmentManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]
        verbose_name = _("role assignment")

    def __str__(self) -> str:
        return f"{self.user.username}: {self.role}"

    def save(self, *args, **kwargs):
        self.mac = role_mac(self.user_id, self.role)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "mac" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "mac"]
        super().save(*args, **kwargs)

    def mac_matches(self) -> bool:
        from xueji.core.crypto import digests_equal

        return bool(self.mac) and digests_equal(role_mac(self.user_id, self.role), self.mac)


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


class Loan(models.Model):
    """A password loan (借用, the seed's rule 7) without sharing the password: the lender files it naming the
    borrower and the period, the security administrator of the lender's level approves (三员分立: loans are the
    security administrator's), and during the period the borrower may act as the lender (accounts/loans.py)."""

    jurisdiction_path = "org_unit__path"

    lender = models.ForeignKey(User, on_delete=models.PROTECT, related_name="loans_given", verbose_name=_("lender"))
    borrower = models.ForeignKey(User, on_delete=models.PROTECT, related_name="loans_taken",
                                 verbose_name=_("borrower"))
    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("organisation unit"))
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=255)
    status = models.CharField(_("status"), max_length=16, default=LoanStatus.FILED, db_index=True,
                              choices=LoanStatus.choices)
    filed_at = models.DateTimeField(_("filed"))
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=255, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("password loan")
        verbose_name_plural = _("password loans")
        indexes = [models.Index(fields=["status", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.lender.username} → {self.borrower.username} ({self.starts_at:%Y-%m-%d %H:%M})"


class Alert(models.Model):
    """An intrusion alert (accounts/alerts.py) for the security administrator of a level: its kind, its subject
    (an account or an address), the evidence window and the audit rows behind it."""

    jurisdiction_path = "org_unit__path"

    kind = models.CharField(_("kind"), max_length=32, choices=AlertKind.choices)
    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("organisation unit"))
    subject_user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("account"))
    subject_ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    # The evidence window's identity: one alert per kind, subject and window (the detectors run every minute).
    key = models.CharField(max_length=200, unique=True)
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("until"))
    count = models.PositiveIntegerField(_("count"), default=0)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    audit_ids = models.JSONField(default=list, blank=True)  # the audit rows behind it (the first 200)
    status = models.CharField(_("status"), max_length=16, default=AlertStatus.OPEN, db_index=True,
                              choices=AlertStatus.choices)
    created_at = models.DateTimeField(_("raised"), db_index=True)
    handled_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("intrusion alert")
        verbose_name_plural = _("intrusion alerts")

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_ip or self.subject_user_id} {self.window_start:%Y-%m-%d %H:%M}"


class NotFoundCounter(models.Model):
    """404 answers per client address and minute (accounts.middleware.NotFoundCounterMiddleware): the compact
    table behind the 404-scan alert. A working table: its rows change, and old ones are deleted."""

    ip = models.GenericIPAddressField()
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    paths = models.JSONField(default=list, blank=True)  # the first few paths of the minute, as evidence

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ip", "minute"], name="not_found_counter_ip_minute")]

    def __str__(self) -> str:
        return f"{self.ip} {self.minute:%Y-%m-%d %H:%M} {self.count}"


class SecurityKey(Device):
    """A WebAuthn security key (FIDO2, accounts/webauthn_keys.py) registered by its user: the credential's id and
    public key (COSE), the signature counter the key last reported (a lower one is a cloned key and is refused),
    its transports. A django-otp device, so a session verified by it is `is_verified()` like one verified by TOTP;
    it never accepts a typed code (verify_token is False)."""

    credential_id = models.CharField(_("credential id"), max_length=1400, unique=True)  # base64url
    public_key = models.BinaryField(_("public key"))
    sign_count = models.PositiveBigIntegerField(_("signature counter"), default=0)
    transports = models.JSONField(_("transports"), default=list, blank=True)
    created_at = models.DateTimeField(_("registered"), default=clock.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("security key")
        verbose_name_plural = _("security keys")
        ordering = ["user", "pk"]

    def verify_token(self, token) -> bool:
        return False


class UKeyDevice(Device):
    """An SM2 certificate key (UKey, 国密 USB key) of a user (accounts/ukey.py): the SM2 public key the key signs
    with (hex, 04 || x || y), the certificate's subject and serial when it came with one, and the provider class
    that verifies it (setting XUEJI_UKEY_PROVIDER at registration). Challenge-response only: it never accepts a
    typed code."""

    public_key = models.CharField(_("public key"), max_length=130)
    provider = models.CharField(_("provider"), max_length=200)
    subject = models.CharField(_("certificate subject"), max_length=300, blank=True, default="")
    serial = models.CharField(_("certificate serial"), max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("registered"), default=clock.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("UKey (SM2 certificate key)")
        verbose_name_plural = _("UKeys (SM2 certificate keys)")
        ordering = ["user", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "public_key"], name="one_ukey_per_key_and_user")]

    def verify_token(self, token) -> bool:
        return False
