"""Signing what an operator decided, and verifying it: SM2 over the SM3 digest of a canonical form.

The canonical form is compact JSON with sorted keys of what the caller names (request id, type, step, decision,
data, actor, time for an approval), so the same decision always gives the same bytes, and any change of a stored
item (a decision's data edited in the database) gives another digest: the signature no longer verifies."""

import hmac
import json
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction

from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.crypto import hmac_sm3, sm2_generate_key, sm2_sign, sm2_verify, sm3
from xueji.signing.models import Signature, SigningKey


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


# ------------------------------------------------------------------------- the software key (a UKey's stand-in)

def _seal_keys() -> tuple[bytes, bytes]:
    """The sealing key from settings (XUEJI_SIGNING_SEAL_KEY; derived from SECRET_KEY when unset), split by
    HMAC-SM3 into an SM4 key and a MAC key."""
    secret = (getattr(settings, "XUEJI_SIGNING_SEAL_KEY", "") or settings.SECRET_KEY).encode()
    return hmac_sm3(secret, b"xueji signing seal: sm4")[:16], hmac_sm3(secret, b"xueji signing seal: mac")


def _seal(private_key: str) -> str:
    # SM4 through gmssl here until core.crypto's SM4 section lands (then move it there).
    from gmssl.sm4 import SM4_ENCRYPT, CryptSM4

    enc, mac = _seal_keys()
    iv = secrets.token_bytes(16)
    cipher = CryptSM4()
    cipher.set_key(enc, SM4_ENCRYPT)
    body = iv + cipher.crypt_cbc(iv, bytes.fromhex(private_key))
    return (body + hmac_sm3(mac, body)).hex()


def _unseal(sealed: str) -> str:
    from gmssl.sm4 import SM4_DECRYPT, CryptSM4

    enc, mac = _seal_keys()
    raw = bytes.fromhex(sealed)
    body, tag = raw[:-32], raw[-32:]
    if not hmac.compare_digest(hmac_sm3(mac, body), tag):
        raise ValueError("The sealed signing key was changed or sealed with another key.")
    cipher = CryptSM4()
    cipher.set_key(enc, SM4_DECRYPT)
    return cipher.crypt_cbc(body[:16], body[16:]).hex()


def signing_key_for(user) -> SigningKey:
    """The user's key; the software key makes one on first need (audited)."""
    key = SigningKey.objects.filter(user=user).first()
    if key is not None:
        return key
    pair = sm2_generate_key()
    with transaction.atomic():
        key, created = SigningKey.objects.get_or_create(
            user=user, defaults={"public_key": pair.public_key, "sealed_private_key": _seal(pair.private_key),
                                 "created_at": clock.now()})
        if created:
            audit_record(actor=user, action="signing.key_created", obj=key, object_repr=str(user)[:255],
                         after={"public_key": pair.public_key})
    return key


# ------------------------------------------------------------------------------------------ signing, verifying

def sign(*, actor, subject: str, object_id: int, payload: dict[str, Any]) -> Signature:
    """Sign `payload` (what `actor` decided about `subject` #object_id) with the actor's key, in the caller's
    transaction."""
    key = signing_key_for(actor)
    digest = sm3(canonical(payload))
    return Signature.objects.create(subject=subject, object_id=object_id, signer=actor, public_key=key.public_key,
                                    digest=digest.hex(), signature=sm2_sign(_unseal(key.sealed_private_key), digest,
                                                                            public_key=key.public_key),
                                    signed_at=clock.now())


def verified(signature: Signature | None, payload: dict[str, Any]) -> bool | None:
    """Whether the signature is the signer's over this payload as stored now (None: never signed)."""
    if signature is None:
        return None
    digest = sm3(canonical(payload))
    return digest.hex() == signature.digest and sm2_verify(signature.public_key, digest, signature.signature)


def signatures_of(subject: str, ids: Iterable[int]) -> dict[int, Signature]:
    """The signatures of these rows, by row id (one query)."""
    ids = list(ids)
    if not ids:
        return {}
    return {s.object_id: s for s in Signature.objects.filter(subject=subject, object_id__in=ids)}
