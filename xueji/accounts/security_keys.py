"""WebAuthn security keys (FIDO2, py_webauthn) as a second factor, beside TOTP (accounts/second_factor.py holds the
policy: who needs one, what counts as enrolled, the reset).

Two ceremonies, each an options step and a verify step; the challenge is held server side in the session between
them and used once (popped before the response is checked, so a failed or replayed answer cannot be retried with
the same challenge):

- registration (`registration_options`, `registration_verify`): a verified session adds a key (a name, the
  credential id, the COSE public key, the signature counter, the transports); a user may hold several keys
  (XUEJI_WEBAUTHN_MAX_KEYS) and remove one (`remove`). Attestation is not asked for ("none"): the key proves
  possession, not its make.
- authentication (`authentication_options`, `authentication_verify`): at the second-factor step after the
  password, offered when the account holds a key; on success the session is verified (django-otp's otp_login
  with the key's device), and the key's counter is stored. A counter that does not grow (when either counter is
  non-zero) is a cloned key: refused, audited (mfa.key_verify_failed with reason sign_count).

The relying party: XUEJI_WEBAUTHN_RP_ID and XUEJI_WEBAUTHN_ORIGINS (a production deployment sets both: the host
name of the site and its https origin); unset, the request's host is used (development and tests, on
http://localhost). Every registration, use, failure and removal writes one audit row; a refused attempt changes
nothing but the audit row.
"""

import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django_otp import login as otp_login
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from xueji.accounts.models import SecurityKey, User
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed

REGISTER_KEY = "xueji_webauthn_register"
AUTHENTICATE_KEY = "xueji_webauthn_authenticate"
TIMEOUT_MS = 120_000
_TRANSPORTS = {t.value for t in AuthenticatorTransport}


def rp_id(request) -> str:
    return settings.XUEJI_WEBAUTHN_RP_ID or request.get_host().rsplit(":", 1)[0].strip("[]")


def origins(request) -> list[str]:
    return list(settings.XUEJI_WEBAUTHN_ORIGINS) or [f"{request.scheme}://{request.get_host()}"]


def keys_of(user) -> list[SecurityKey]:
    return list(SecurityKey.objects.filter(user=user, confirmed=True).order_by("pk"))


def has_keys(user) -> bool:
    return SecurityKey.objects.filter(user=user, confirmed=True).exists()


def _descriptors(user) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(key.credential_id),
                                          transports=[AuthenticatorTransport(t) for t in key.transports
                                                      if t in _TRANSPORTS] or None)
            for key in keys_of(user)]


def _credential(payload: Any) -> dict:
    if isinstance(payload, str | bytes):
        try:
            payload = json.loads(payload)
        except ValueError:
            payload = None
    if not isinstance(payload, dict):
        raise ValidationFailed("The security key's answer is malformed.", code="security_key_invalid")
    return payload


def _name(name: str) -> str:
    name = " ".join((name or "").split())[:64]
    return name or "security key"


# ------------------------------------------------------------------------------------------------ registration

def registration_options(*, request, user: User) -> str:
    """The options of navigator.credentials.create() as JSON (base64url fields); the challenge is kept in the
    session for `registration_verify`. The user's keys are excluded (one credential per key)."""
    if SecurityKey.objects.filter(user=user, confirmed=True).count() >= settings.XUEJI_WEBAUTHN_MAX_KEYS:
        raise Conflict("You hold the most security keys allowed; remove one first.", code="security_key_limit")
    options = generate_registration_options(
        rp_id=rp_id(request), rp_name=settings.XUEJI_WEBAUTHN_RP_NAME, user_id=str(user.pk).encode(),
        user_name=user.username, user_display_name=user.full_name or user.username, timeout=TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE, exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED, user_verification=UserVerificationRequirement.PREFERRED))
    request.session[REGISTER_KEY] = {"user": user.pk, "challenge": bytes_to_base64url(options.challenge)}
    return options_to_json(options)


def registration_verify(*, request, user: User, credential: Any, name: str = "") -> SecurityKey:
    """Check the answer of navigator.credentials.create() against the session's challenge (used once) and store
    the key. A wrong, replayed or foreign answer is refused (security_key_invalid) and audited."""
    pending = request.session.pop(REGISTER_KEY, None)
    credential = _credential(credential)
    if not pending or pending.get("user") != user.pk:
        audit_record(actor=user, action="mfa.key_enrol_failed", obj=user, success=False,
                     after={"reason": "no_challenge"})
        raise ValidationFailed("No registration is under way; start again.", code="security_key_no_challenge")
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=base64url_to_bytes(pending["challenge"]),
            expected_rp_id=rp_id(request), expected_origin=origins(request), require_user_verification=False)
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        audit_record(actor=user, action="mfa.key_enrol_failed", obj=user, success=False,
                     after={"reason": type(exc).__name__})
        raise ValidationFailed("The security key's answer was not accepted; try again.",
                               code="security_key_invalid") from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    transports = [t for t in ((credential.get("response") or {}).get("transports") or []) if t in _TRANSPORTS]
    if SecurityKey.objects.filter(credential_id=credential_id).exists():
        audit_record(actor=user, action="mfa.key_enrol_failed", obj=user, success=False,
                     after={"reason": "duplicate"})
        raise Conflict("This security key is registered already.", code="security_key_duplicate")
    with transaction.atomic():
        key = SecurityKey.objects.create(
            user=user, name=_name(name), confirmed=True, credential_id=credential_id,
            public_key=verified.credential_public_key, sign_count=verified.sign_count, transports=transports)
        audit_record(actor=user, action="mfa.key_enrol", obj=user,
                     after={"device": "security_key", "key": key.pk, "name": key.name, "transports": transports})
    return key


@transaction.atomic
def remove(*, actor: User, key_id: int) -> None:
    """The user removes one of their own keys (another user's key is not found)."""
    key = SecurityKey.objects.select_for_update().filter(user=actor, pk=key_id).first()
    if key is None:
        raise NotFound("No such security key.", code="security_key_not_found")
    audit_record(actor=actor, action="mfa.key_remove", obj=actor, before={"key": key.pk, "name": key.name})
    key.delete()


# ---------------------------------------------------------------------------------------------- authentication

def authentication_options(*, request, user: User) -> str:
    """The options of navigator.credentials.get() for the account's keys, as JSON; the challenge is kept in the
    session for `authentication_verify`."""
    descriptors = _descriptors(user)
    if not descriptors:
        raise Forbidden("This account holds no security key.", code="security_key_none")
    options = generate_authentication_options(rp_id=rp_id(request), allow_credentials=descriptors,
                                              timeout=TIMEOUT_MS,
                                              user_verification=UserVerificationRequirement.PREFERRED)
    request.session[AUTHENTICATE_KEY] = {"user": user.pk, "challenge": bytes_to_base64url(options.challenge)}
    return options_to_json(options)


def _refuse(user, reason: str, message: str = "The security key's answer was not accepted.") -> ValidationFailed:
    audit_record(actor=user, action="mfa.key_verify_failed", obj=user, success=False, after={"reason": reason})
    return ValidationFailed(message, code="security_key_invalid")


def authentication_verify(*, request, user: User, credential: Any) -> SecurityKey:
    """Check the answer of navigator.credentials.get() against the session's challenge (used once) and the
    registered key; on success the session is verified and the key's counter moves on."""
    pending = request.session.pop(AUTHENTICATE_KEY, None)
    credential = _credential(credential)
    if not pending or pending.get("user") != user.pk:
        raise _refuse(user, "no_challenge")
    key = SecurityKey.objects.filter(user=user, confirmed=True, credential_id=str(credential.get("id", ""))).first()
    if key is None:
        raise _refuse(user, "unknown_key")
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=base64url_to_bytes(pending["challenge"]),
            expected_rp_id=rp_id(request), expected_origin=origins(request),
            credential_public_key=bytes(key.public_key), credential_current_sign_count=key.sign_count,
            require_user_verification=False)
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        reason = "sign_count" if "sign count" in str(exc).lower() else type(exc).__name__
        raise _refuse(user, reason) from exc
    # Compare and set: of two answers of one key checked against the same counter, one moves it.
    moved = SecurityKey.objects.filter(pk=key.pk, sign_count=key.sign_count).update(
        sign_count=verified.new_sign_count, last_used_at=clock.now())
    if not moved:
        raise _refuse(user, "sign_count")
    key.refresh_from_db()
    audit_record(actor=user, action="mfa.verify", obj=user, after={"device": "security_key", "key": key.pk})
    if hasattr(request, "session"):
        otp_login(request, key)
    return key
