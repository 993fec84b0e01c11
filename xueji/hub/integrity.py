"""The integrity of what travels between provinces (SECURITY.md row 22): every envelope, query and answer carries
`mac`, the HMAC-SM3 (hex) of its canonical JSON (every other field, keys sorted, no spaces, UTF-8) under the hub's
shared key, made by the sending side and checked by the receiving side before anything is received or answered.

The key is `XUEJI_HUB_KEY` (hex, 16 to 64 bytes), the key the provinces share with the national hub; without it,
development and tests use a key derived from SECRET_KEY (one database: both sides derive the same one). The MAC
is bound to the kind of object ("message", "query", "answer"), so one cannot be replayed as another. Pure but for
the settings."""

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from xueji.core.crypto import digests_equal, hmac_sm3, sm3

FIELD = "mac"
PURPOSES = frozenset({"message", "query", "answer"})


def hub_key() -> bytes:
    configured = getattr(settings, "XUEJI_HUB_KEY", "")
    if configured:
        try:
            key = bytes.fromhex(configured.strip())
        except ValueError:
            raise ImproperlyConfigured("XUEJI_HUB_KEY is not hex") from None
        if not 16 <= len(key) <= 64:
            raise ImproperlyConfigured("XUEJI_HUB_KEY has 16 to 64 bytes")
        return key
    return sm3(b"xueji-dev-hub-key|" + settings.SECRET_KEY.encode())


def canonical(obj: dict[str, Any]) -> bytes:
    """The bytes the MAC covers: the object without its `mac`, as sorted, compact JSON."""
    return json.dumps({k: v for k, v in obj.items() if k != FIELD}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"), allow_nan=False).encode()


def mac_of(obj: dict[str, Any], *, purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    return hmac_sm3(hub_key(), purpose.encode() + b"\0" + canonical(obj)).hex()


def signed(obj: dict[str, Any], *, purpose: str) -> dict[str, Any]:
    """`obj` with its `mac` (the last field)."""
    body = {k: v for k, v in obj.items() if k != FIELD}
    return {**body, FIELD: mac_of(body, purpose=purpose)}


def verified(obj: dict[str, Any], *, purpose: str) -> bool:
    """Whether `obj` carries the right `mac` for its other fields. A missing, malformed or wrong MAC is False;
    an object whose fields are not plain JSON is False too."""
    mac = obj.get(FIELD)
    if not isinstance(mac, str) or len(mac) != 64:
        return False
    try:
        expected = mac_of(obj, purpose=purpose)
    except (TypeError, ValueError):
        return False
    return digests_equal(expected, mac.lower())
