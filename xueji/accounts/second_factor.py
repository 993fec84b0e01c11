"""The second factor (双因素认证, 等保 2.0 8.1.4.1d; SECURITY.md row 5, T-MFA-01): TOTP through django-otp, with
single-use recovery codes (django-otp's static device). Policy, reads and writes of the second factor, all here.

Who needs it (`required`): the three administrators (系统管理员, 安全管理员, 审计管理员) and every approver, that is
leaders and the authorities' registrars (the workflow's steps are theirs). A signed-in session of such a user that
has not proved the second factor is sent to the second-factor step by every URL but signing in and out, the
second-factor pages, static files and /healthz (accounts.middleware.SecondFactorMiddleware); the first time, that
step is the enrolment.

The API: a session user is held to the same rule (the middleware, and the API permission again). A token is proof
of the second factor by construction: for these roles POST /api/v1/auth/token/ issues one only when the request
carries a current TOTP code or a recovery code (`otp`) of an enrolled device; an account that has not enrolled
enrols on the web first. A token therefore never stands for less than a verified session.

Other devices: WebAuthn security keys (accounts/security_keys.py), added from a verified session beside TOTP;
and, where the province's policy allows it (setting auth.ukey_login), an SM2 certificate key (UKey,
accounts/ukey.py) that replaces TOTP: such an account may enrol a UKey instead of the app at the first sign-in.

Recovery codes are stored hashed: django-otp's StaticToken holds HMAC-SM3(key, code) truncated to 64 bits (16 hex
digits, the column's size), the key derived from SECRET_KEY (`recovery_digest`); the code itself is shown once.

Replay: a TOTP code is accepted once (django-otp keeps `last_t`, the last time step used, and refuses it and any
earlier one); a recovery code's row is deleted when used (a DELETE that only one of two racing uses wins).
Throttling: each wrong code doubles the device's refusal time
(OTP_TOTP_THROTTLE_FACTOR seconds, then twice, four times ...), and a throttled device refuses right codes too.
The wrong codes' counter is committed even though the attempt fails (no atomic block around a verification).

Reset: the security administrator of a level above deletes a user's devices (audited); the user's sessions and
tokens end and they enrol again at the next sign-in.
"""

import secrets
from base64 import b32encode

from django.conf import settings
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from xueji.accounts.jurisdiction import require_org_within
from xueji.accounts.models import EXCLUSIVE_ROLES, Role, SecurityKey, UKeyDevice, User
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import crypto
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from xueji.regions.models import OrgKind

TOTP_NAME = "totp"
RECOVERY_NAME = "recovery"


def role_needs(role: str, kind: str) -> bool:
    """Whether a role at an org unit of this kind needs a second factor: the administrators (三员), leaders, and the
    authorities' registrars (the approvers of the workflow's steps)."""
    if role in EXCLUSIVE_ROLES or role == Role.LEADER:
        return True
    return role == Role.REGISTRAR and kind != OrgKind.SCHOOL


def required(user) -> bool:
    """Whether the user's roles need a second factor (`role_needs`)."""
    if not getattr(user, "is_authenticated", False) or user.org_unit is None:
        return False
    roles = user.role_set
    if any(role_needs(role, user.org_unit.kind) for role in roles):
        return True
    from xueji.accounts import security_settings  # a level may ask more roles for one (安全策略)

    optional = [role for role in roles if role in security_settings.OPTIONAL_FACTOR_ROLES]
    return bool(optional) and bool(set(optional) & set(security_settings.for_user(user, "second_factor.roles")))


def session_verified(request) -> bool:
    """Whether this request's session proved the second factor (django-otp's OTPMiddleware set the device)."""
    user = getattr(request, "user", None)
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def needs_verification(request) -> bool:
    """A signed-in user who needs the second factor and whose session has not proved it."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and required(user) and not session_verified(request))


def totp_device(user, *, confirmed: bool | None = True) -> TOTPDevice | None:
    qs = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        qs = qs.filter(confirmed=confirmed)
    return qs.order_by("-pk").first()


def is_enrolled(user) -> bool:
    """Whether the user holds a second factor: a confirmed TOTP device, or a UKey where the province allows it."""
    return enrolled_without(user, None)


def enrolled_without(user, device) -> bool:
    """Whether the user holds a second factor besides `device` (None: any)."""
    from xueji.accounts import ukey

    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return True
    if not ukey.allowed(user):
        return False
    others = UKeyDevice.objects.filter(user=user, confirmed=True)
    if isinstance(device, UKeyDevice):
        others = others.exclude(pk=device.pk)
    return others.exists()


def recovery_digest(code: str) -> str:
    """What the database keeps of a recovery code: HMAC-SM3 under a key derived from SECRET_KEY, the first 16 hex
    digits (StaticToken.token holds 16 characters; 64 bits against a 40-bit code is no shortcut)."""
    key = crypto.sm3(b"xueji.accounts.recovery-codes:" + settings.SECRET_KEY.encode())
    return crypto.hmac_sm3(key, code.strip().lower().encode()).hex()[:16]


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_base32(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode("ascii")


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (segno, no external resource)."""
    import segno

    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def enrolment_start(*, user: User) -> TOTPDevice:
    """The unconfirmed TOTP device the enrolment page shows (the same one until it is confirmed)."""
    if is_enrolled(user):
        raise Forbidden("A second factor is already enrolled; ask your security administrator to reset it.",
                        code="second_factor_enrolled")
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [secrets.token_hex(5) for _ in range(settings.XUEJI_RECOVERY_CODES)]  # 10 hex digits: 40 bits each
    StaticToken.objects.bulk_create([StaticToken(device=device, token=recovery_digest(code)) for code in codes])
    return codes


def enrolment_confirm(*, request, user: User, code: str) -> list[str]:
    """Confirm the enrolment with a first code from the app: the device is confirmed, the session verified, and
    the recovery codes returned (to be shown once; django-otp keeps them, single-use). A wrong code is counted
    (throttling) and refused (ValidationFailed, second_factor_invalid), and audited."""
    device = enrolment_start(user=user)
    if not device.verify_token(_digits(code)):  # commits the throttling counter on failure
        audit_record(actor=user, action="mfa.enrol_failed", obj=user, success=False)
        raise ValidationFailed("The code is wrong or expired; wait for the next code and try again.",
                               code="second_factor_invalid", field="code")
    return _enrolled(request=request, user=user, device=device, kind="totp")


def _digits(code: str) -> str:
    return "".join((code or "").split())


def _match(user: User, code: str):
    """The device that accepts the code (TOTP first, then a recovery code), or None. Every device tried counts a
    failure, so guessing is throttled on both."""
    code = _digits(code)
    if not code:
        return None
    device = totp_device(user)
    if device is not None and code.isdigit() and len(code) == device.digits and device.verify_token(code):
        return device
    recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if recovery is not None and not (code.isdigit() and device is not None and len(code) == device.digits) \
            and _recovery_use(recovery, code):
        return recovery
    return None


def _recovery_use(device: StaticDevice, code: str) -> bool:
    """django-otp's StaticDevice.verify_token on the hashed codes: throttled, and the code's row deleted by one
    DELETE (of two racing uses, one wins)."""
    if not device.verify_is_allowed()[0]:
        return False
    if StaticToken.objects.filter(device=device, token=recovery_digest(code)).delete()[0]:
        device.throttle_reset(commit=False)
        device.set_last_used_timestamp(commit=False)
        device.save()
        return True
    device.throttle_increment()
    return False


def enrol_ukey(*, request, user: User, public_key: str, signature: str, name: str = "") -> list[str]:
    """The first sign-in's enrolment by UKey where the province allows it (in place of the app): the key is
    registered (ukey.enrol: a signature of the session's challenge), the session verified and new recovery codes
    returned (shown once)."""
    from xueji.accounts import ukey

    if is_enrolled(user):
        raise Forbidden("A second factor is already enrolled; ask your security administrator to reset it.",
                        code="second_factor_enrolled")
    device = ukey.enrol(request=request, user=user, public_key=public_key, signature=signature, name=name)
    return _enrolled(request=request, user=user, device=device, kind="ukey")


def _enrolled(*, request, user: User, device, kind: str) -> list[str]:
    """The end of an enrolment: the device confirmed, new recovery codes (returned, to be shown once) and the audit
    row in one transaction; then the session is verified by the new device."""
    with transaction.atomic():
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit_record(actor=user, action="mfa.enrol", obj=user, after={"device": kind, "recovery_codes": len(codes)})
    if request is not None:
        otp_login(request, device)
    return codes


def verify(*, request, user: User, code: str, audit: bool = True) -> str:
    """Check a second-factor code of an enrolled user; on success mark the session verified (when there is one)
    and return which kind was used ("totp" or "recovery"). A wrong, replayed or throttled code raises
    ValidationFailed (second_factor_invalid); each attempt writes exactly one audit row."""
    if not is_enrolled(user):
        raise Forbidden("No second factor is enrolled; sign in on the web to enrol one.",
                        code="second_factor_not_enrolled")
    device = _match(user, code)
    if device is None:
        audit_record(actor=user, action="mfa.verify_failed", obj=user, success=False)
        raise ValidationFailed("The code is wrong, expired or already used.", code="second_factor_invalid",
                               field="code")
    kind = "recovery" if isinstance(device, StaticDevice) else "totp"
    if request is not None and hasattr(request, "session"):
        otp_login(request, device)
    if audit:
        audit_record(actor=user, action="mfa.verify", obj=user, after={"device": kind})
    return kind


def throttled(user) -> bool:
    """Whether the TOTP device refuses codes for now (too many wrong ones)."""
    device = totp_device(user)
    return device is not None and not device.verify_is_allowed()[0]


@transaction.atomic
def enrolment_preset(*, key_hex: str) -> int:
    """The demo's accounts (xueji/demo only): every account that needs a second factor and has none gets a
    confirmed TOTP device with this shared key, so the demo can be signed into with any authenticator app set to
    the printed secret. Never for a real deployment (the demo data command refuses to run there)."""
    from xueji.accounts.models import RoleAssignment

    have = TOTPDevice.objects.filter(confirmed=True).values("user_id")
    rows = RoleAssignment.objects.exclude(user__in=have).values_list("user_id", "role", "user__org_unit__kind")
    users = sorted({user_id for user_id, role, kind in rows if kind and role_needs(role, kind)})
    TOTPDevice.objects.bulk_create([TOTPDevice(user_id=pk, name=TOTP_NAME, key=key_hex, confirmed=True)
                                    for pk in users])
    return len(users)


@transaction.atomic
def ukey_remove(*, actor: User, device_id: int) -> None:
    """The user removes one of their UKeys (accounts/ukey.py); the last second factor cannot go this way (a reset
    by the level above does that)."""
    device = UKeyDevice.objects.select_for_update().filter(user=actor, pk=device_id).first()
    if device is None:
        raise NotFound("No such UKey.", code="ukey_not_found")
    if not enrolled_without(actor, device):
        raise Conflict("This UKey is your only second factor; it cannot be removed.", code="ukey_last")
    audit_record(actor=actor, action="mfa.ukey_remove", obj=actor, before={"key": device.pk, "name": device.name})
    device.delete()


@transaction.atomic
def reset(*, actor: User, user: User) -> User:
    """The security administrator of a level above deletes a user's second factor (TOTP device, recovery codes,
    security keys and UKeys); the user's sessions and tokens end and they enrol again at the next sign-in."""
    from xueji.accounts.services import revoke_credentials

    require_cap(actor, Cap.SECOND_FACTOR_RESET)
    require_org_within(actor, user.org_unit)
    if user.pk == actor.pk or user.org_unit_id == actor.org_unit_id:
        raise Forbidden("A second factor is reset by the security administrator of a level above.",
                        code="second_factor_level")
    had = is_enrolled(user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    SecurityKey.objects.filter(user=user).delete()
    UKeyDevice.objects.filter(user=user).delete()
    revoke_credentials(user)
    user.save(update_fields=["security_stamp"])
    audit_record(actor=actor, action="mfa.reset", obj=user, before={"enrolled": had}, after={"enrolled": False})
    return user
