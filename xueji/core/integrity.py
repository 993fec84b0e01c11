"""Integrity of important data at rest (SECURITY.md row 23): an HMAC-SM3 record MAC over the canonical items of a
row, under the key ring's index key (core.sealing: from outside the database and the code, like the blind index),
so a row changed by direct SQL no longer matches its MAC. `purpose` separates the kinds of row ("student",
"role"), so one row's MAC is no other's. Pure but for the key ring."""

import datetime as dt
from collections.abc import Iterable

from xueji.core import sealing
from xueji.core.crypto import digests_equal, hmac_sm3


def _text(value) -> str:
    if value is None:
        return "\x00"  # None is not ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def record_mac(purpose: str, values: Iterable, *, key: bytes | None = None) -> str:
    """The MAC (64 hex digits) of a row's canonical items, in a fixed order."""
    body = "\x1f".join(_text(value) for value in values).encode()
    return hmac_sm3(key or sealing.key_ring().index_key, purpose.encode() + b"\x1e" + body).hex()


def record_mac_matches(purpose: str, values: Iterable, mac: str | None, *, key: bytes | None = None) -> bool:
    return bool(mac) and digests_equal(record_mac(purpose, values, key=key), mac)
