"""UKey: the SM2 certificate keys (国密 USB keys) that Chinese governments issue, as a second factor that replaces
TOTP where the province allows it (its policy setting `auth.ukey_login`, read through accounts.hooks: accounts
sits below policy).

Challenge-response: the server draws a random challenge (`challenge`), kept in the session for one purpose (to
register a key, or to verify the session) and used once, expiring after XUEJI_UKEY_CHALLENGE_SECONDS; the key
signs the challenge's text (UTF-8) with SM2 and SM3, with GM/T 0009's default user id 1234567812345678; the server
verifies the signature against the registered public key.

Pluggable: XUEJI_UKEY_PROVIDER names the class that checks a signature and reads a key's registration (the default,
`SM2Provider`, verifies locally with xueji.core.crypto; a deployment with a 签名验签服务器 or a CA's client names its
own class with the same two methods). The demo and the tests sign with a software SM2 key (the management command
`ukey_demo`), which the pages say plainly: it is no hardware key.

Registration proves possession: the public key (hex, 04 || x || y; or the key of the certificate, extracted by the
provider) comes with a signature of a fresh challenge. Every registration, use, failure and removal is audited; a
refused attempt changes nothing but its audit row.
"""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django_otp import login as otp_login

from xueji.accounts import hooks
from xueji.accounts.models import UKeyDevice, User
from xueji.audit.services import audit_record
from xueji.core import clock, crypto
from xueji.core.errors import Conflict, Forbidden, ValidationFailed
from xueji.regions.models import province_code_of

CHALLENGE_KEY = "xueji_ukey_challenge"
ENROL, VERIFY = "enrol", "verify"
SETTING = "auth.ukey_login"  # the province's policy setting (xueji/policy/services.py SETTING_DEFAULTS)


@dataclass(frozen=True)
class Registration:
    public_key: str  # SM2 public key, hex 04 || x || y
    subject: str = ""
    serial: str = ""


class SM2Provider:
    """Verifies SM2-with-SM3 signatures locally (xueji.core.crypto, gmssl) against the registered public key."""

    name = "sm2"

    def registration(self, *, public_key: str, certificate: str = "") -> Registration:
        """The key to register from what the client sent: here a public key in hex (a certificate is not read by
        this provider)."""
        key = "".join((public_key or "").split()).lower()
        if len(key) == 128:
            key = "04" + key
        if len(key) != 130 or not key.startswith("04") or any(c not in "0123456789abcdef" for c in key):
            raise ValidationFailed("The public key is not an SM2 public key (hex, 04 followed by x and y).",
                                   code="ukey_public_key_invalid", field="public_key")
        return Registration(public_key=key)

    def verify(self, *, public_key: str, message: bytes, signature: str) -> bool:
        return crypto.sm2_verify(public_key, message, "".join((signature or "").split()).lower())


def provider():
    return import_string(settings.XUEJI_UKEY_PROVIDER)()


def allowed(user) -> bool:
    """Whether the province of the user's unit lets a UKey replace TOTP (its policy setting)."""
    unit = getattr(user, "org_unit", None)
    code = province_code_of(unit) if unit is not None else None
    return bool(code) and hooks.ukey_login_allowed(code)


def devices_of(user) -> list[UKeyDevice]:
    return list(UKeyDevice.objects.filter(user=user, confirmed=True).order_by("pk"))


def has_device(user) -> bool:
    return UKeyDevice.objects.filter(user=user, confirmed=True).exists()


def challenge(*, request, purpose: str) -> str:
    """A fresh challenge for `purpose` (ENROL or VERIFY), kept in the session; the text the key signs."""
    text = f"xueji-ukey:{purpose}:{secrets.token_hex(16)}"
    request.session[CHALLENGE_KEY] = {"purpose": purpose, "text": text, "at": clock.now().timestamp(),
                                      "user": request.user.pk}
    return text


def current_challenge(request, purpose: str) -> str | None:
    pending = request.session.get(CHALLENGE_KEY)
    if pending and pending.get("purpose") == purpose and pending.get("user") == request.user.pk and \
            clock.now().timestamp() - pending.get("at", 0) < settings.XUEJI_UKEY_CHALLENGE_SECONDS:
        return pending["text"]
    return None


def _take_challenge(request, purpose: str) -> str | None:
    text = current_challenge(request, purpose)
    request.session.pop(CHALLENGE_KEY, None)  # used once, whatever the outcome
    return text


def enrol(*, request, user: User, public_key: str, signature: str, certificate: str = "",
          name: str = "") -> UKeyDevice:
    """Register a UKey: its public key and a signature of the session's enrolment challenge (proof of
    possession). Refused (and audited) where the province does not allow UKeys, without a challenge, with a bad
    signature; a key the user holds already is a conflict."""
    text = _take_challenge(request, ENROL)
    if not allowed(user):
        audit_record(actor=user, action="mfa.ukey_enrol_failed", obj=user, success=False,
                     after={"reason": "not_allowed"})
        raise Forbidden("Your province does not use UKey sign-in.", code="ukey_not_allowed")
    impl = provider()
    try:
        registration = impl.registration(public_key=public_key, certificate=certificate)
    except ValidationFailed:
        audit_record(actor=user, action="mfa.ukey_enrol_failed", obj=user, success=False,
                     after={"reason": "public_key"})
        raise
    if text is None or not impl.verify(public_key=registration.public_key, message=text.encode(),
                                       signature=signature):
        audit_record(actor=user, action="mfa.ukey_enrol_failed", obj=user, success=False,
                     after={"reason": "no_challenge" if text is None else "signature"})
        raise ValidationFailed("The signature does not match the challenge; sign the new challenge again.",
                               code="ukey_signature_invalid", field="signature")
    if UKeyDevice.objects.filter(user=user, public_key=registration.public_key).exists():
        audit_record(actor=user, action="mfa.ukey_enrol_failed", obj=user, success=False,
                     after={"reason": "duplicate"})
        raise Conflict("This UKey is registered already.", code="ukey_duplicate")
    with transaction.atomic():
        device = UKeyDevice.objects.create(
            user=user, name=(" ".join((name or "").split())[:64] or "UKey"), confirmed=True,
            public_key=registration.public_key, provider=settings.XUEJI_UKEY_PROVIDER,
            subject=registration.subject, serial=registration.serial)
        audit_record(actor=user, action="mfa.ukey_enrol", obj=user,
                     after={"device": "ukey", "key": device.pk, "provider": impl.name})
    return device


def verify(*, request, user: User, signature: str) -> UKeyDevice:
    """The second-factor step by UKey: the signature of the session's verification challenge by one of the user's
    registered keys. On success the session is verified (django-otp) and the use audited; a wrong key, a
    replayed or expired challenge, or a province that does not allow UKeys is refused and audited."""
    text = _take_challenge(request, VERIFY)

    def refuse(reason: str, exc):
        audit_record(actor=user, action="mfa.verify_failed", obj=user, success=False,
                     after={"device": "ukey", "reason": reason})
        return exc

    if not allowed(user):
        raise refuse("not_allowed", Forbidden("Your province does not use UKey sign-in.", code="ukey_not_allowed"))
    if text is None:
        raise refuse("no_challenge", ValidationFailed("The challenge expired or was used; sign the new one.",
                                                      code="ukey_no_challenge", field="signature"))
    impl = provider()
    for device in devices_of(user):
        if impl.verify(public_key=device.public_key, message=text.encode(), signature=signature):
            UKeyDevice.objects.filter(pk=device.pk).update(last_used_at=clock.now())
            audit_record(actor=user, action="mfa.verify", obj=user, after={"device": "ukey", "key": device.pk})
            if hasattr(request, "session"):
                otp_login(request, device)
            return device
    raise refuse("signature", ValidationFailed("The signature is not by your registered UKey.",
                                               code="ukey_signature_invalid", field="signature"))


def demo_sign(*, private_key: str, text: str) -> str:
    """The demo's and the tests' software key: the SM2 signature (hex r || s) of a challenge's text."""
    return crypto.sm2_sign(private_key, text.encode())
