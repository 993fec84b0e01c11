"""The integrity of what travels between provinces (SECURITY.md row 22): every envelope, query and answer carries
`mac`, the HMAC-SM3 (hex) of its canonical JSON (every other field, keys sorted, no spaces, UTF-8) under the key of
its **pair of provinces**, made by the sending side and checked by the receiving side before anything is received or
answered. A message signed with another pair's key does not verify.

The keys (`hub/README.md`, Integrity):

- `XUEJI_HUB_KEYS_FILE`, a JSON file outside the database and the code (the database never holds a key):

      {"pairs": {"320000-340000": [
          {"id": "2027", "key": "<hex, 16 to 64 bytes>", "not_before": "2027-01-01T00:00:00+08:00"},
          {"id": "2026", "key": "<hex>", "not_after": "2027-01-08T00:00:00+08:00"}]}}

  keyed by the pair's two province codes in ascending order (the key of a pair is the same both ways). A key is in
  force from `not_before` (none: always) until `not_after` (none: for good); the one in force with the latest
  `not_before` signs, every one in force verifies. Rotation with an overlap: add the new key with a `not_before`,
  give the old one a `not_after` (the grace period, when messages signed before the switch may still arrive), on
  both provinces' sides. When the file is set it is authoritative: a pair it does not list has no key, and nothing
  of that pair is signed or accepted (`no_pair_key`).
- Without the file, the single shared key of the first version, `XUEJI_HUB_KEY` (hex), is the fallback for every
  pair (the demo, or a province not moved to pair keys yet; the deployment check warns);
- without either, development and tests use a key per pair derived from SECRET_KEY (one database: both sides derive
  the same one).

The MAC is bound to the kind of object ("message", "query", "answer"), so one cannot be replayed as another. Pure but
for the settings and the key file."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from xueji.core import clock
from xueji.core.crypto import digests_equal, hmac_sm3, sm3
from xueji.core.errors import ValidationFailed

FIELD = "mac"
PURPOSES = frozenset({"message", "query", "answer"})


@dataclass(frozen=True)
class PairKey:
    id: str
    key: bytes
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None

    def in_force(self, at: dt.datetime) -> bool:
        return (self.not_before is None or self.not_before <= at) and (self.not_after is None or at < self.not_after)


def pair_of(a: str, b: str) -> str:
    """The name of the unordered pair of provinces `a` and `b`: "320000-340000" (ascending)."""
    return "-".join(sorted((str(a), str(b))))


def _hex_key(text: Any, where: str) -> bytes:
    try:
        key = bytes.fromhex(str(text).strip())
    except ValueError:
        raise ImproperlyConfigured(f"{where} is not hex") from None
    if not 16 <= len(key) <= 64:
        raise ImproperlyConfigured(f"{where} has 16 to 64 bytes")
    return key


def _time(text: Any, where: str) -> dt.datetime | None:
    if text in (None, ""):
        return None
    try:
        value = dt.datetime.fromisoformat(str(text))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ImproperlyConfigured(f"{where} must be an ISO 8601 time with its offset")
    return value


def _parse_file(path: str) -> dict[str, tuple[PairKey, ...]]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        pairs = data["pairs"]
        if not isinstance(pairs, dict):
            raise TypeError("pairs is not an object")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ImproperlyConfigured(f"The hub key file {path} cannot be read: {error}") from None
    table: dict[str, tuple[PairKey, ...]] = {}
    for name, keys in pairs.items():
        codes = str(name).split("-")
        if len(codes) != 2 or pair_of(*codes) != name or codes[0] == codes[1]:
            raise ImproperlyConfigured(f"The hub key file {path}: pair {name!r} is not two different province codes "
                                       f"in ascending order joined by '-'")
        if not isinstance(keys, list) or not keys:
            raise ImproperlyConfigured(f"The hub key file {path}: pair {name} has no keys")
        parsed = []
        for n, item in enumerate(keys):
            where = f"The hub key file {path}: key {n + 1} of pair {name}"
            if not isinstance(item, dict) or "key" not in item:
                raise ImproperlyConfigured(f"{where} is not an object with a key")
            parsed.append(PairKey(id=str(item.get("id", n + 1)), key=_hex_key(item["key"], where),
                                  not_before=_time(item.get("not_before"), f"{where}: not_before"),
                                  not_after=_time(item.get("not_after"), f"{where}: not_after")))
        table[name] = tuple(parsed)
    return table


@lru_cache(maxsize=4)
def _load(path: str, stamp: tuple[int, int]) -> dict[str, tuple[PairKey, ...]]:
    return _parse_file(path)


def key_table() -> dict[str, tuple[PairKey, ...]] | None:
    """The pairs' keys of `XUEJI_HUB_KEYS_FILE` (read again when the file changes), or None without the file."""
    path = getattr(settings, "XUEJI_HUB_KEYS_FILE", "") or ""
    if not path:
        return None
    try:
        stat = os.stat(path)
    except OSError as error:
        raise ImproperlyConfigured(f"The hub key file {path} cannot be read: {error}") from None
    return _load(path, (stat.st_mtime_ns, stat.st_size))


def source() -> str:
    """Where the keys come from: "pairs" (the key file), "shared" (XUEJI_HUB_KEY) or "development"."""
    if getattr(settings, "XUEJI_HUB_KEYS_FILE", ""):
        return "pairs"
    return "shared" if getattr(settings, "XUEJI_HUB_KEY", "") else "development"


def pair_keys(pair: str) -> tuple[PairKey, ...]:
    """Every key the configuration holds for `pair`, whatever their times (empty: none)."""
    table = key_table()
    if table is not None:
        return table.get(pair, ())
    configured = getattr(settings, "XUEJI_HUB_KEY", "")
    if configured:
        return (PairKey(id="shared", key=_hex_key(configured, "XUEJI_HUB_KEY")),)
    return (PairKey(id="dev", key=sm3(b"xueji-dev-hub-key|" + pair.encode() + b"|" + settings.SECRET_KEY.encode())),)


def keys_in_force(pair: str, *, at: dt.datetime | None = None) -> list[PairKey]:
    """The keys of `pair` that verify at `at` (now), the signing one first."""
    at = at or clock.now()
    live = [k for k in pair_keys(pair) if k.in_force(at)]
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(live, key=lambda k: k.not_before or oldest, reverse=True)


def signing_key(pair: str) -> PairKey:
    """The key `pair` signs with now; ValidationFailed `no_pair_key` when it has none in force."""
    live = keys_in_force(pair)
    if not live:
        raise ValidationFailed(f"No key of the hub is in force for the pair of provinces {pair}.",
                               code="no_pair_key")
    return live[0]


def canonical(obj: dict[str, Any]) -> bytes:
    """The bytes the MAC covers: the object without its `mac`, as sorted, compact JSON."""
    return json.dumps({k: v for k, v in obj.items() if k != FIELD}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"), allow_nan=False).encode()


def _mac(key: bytes, obj: dict[str, Any], purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    return hmac_sm3(key, purpose.encode() + b"\0" + canonical(obj)).hex()


def _pair(obj: dict[str, Any], pair: str | None) -> str:
    return pair if pair is not None else pair_of(obj.get("sender"), obj.get("receiver"))


def mac_of(obj: dict[str, Any], *, purpose: str, pair: str | None = None) -> str:
    """The MAC of `obj` under its pair's signing key (`pair`: of its sender and receiver unless given, as for an
    answer, which names neither)."""
    return _mac(signing_key(_pair(obj, pair)).key, obj, purpose)


def signed(obj: dict[str, Any], *, purpose: str, pair: str | None = None) -> dict[str, Any]:
    """`obj` with its `mac` (the last field)."""
    body = {k: v for k, v in obj.items() if k != FIELD}
    return {**body, FIELD: mac_of(body, purpose=purpose, pair=pair)}


def _matches(obj: dict[str, Any], mac: str, keys, purpose: str) -> PairKey | None:
    for candidate in keys:
        if digests_equal(_mac(candidate.key, obj, purpose), mac):
            return candidate
    return None


def verified(obj: dict[str, Any], *, purpose: str, pair: str | None = None) -> bool:
    """Whether `obj` carries the right `mac` for its other fields under a key of its pair in force now. A missing,
    malformed or wrong MAC is False, so is one under another pair's key or a key out of force; an object whose
    fields are not plain JSON is False too."""
    mac = obj.get(FIELD)
    if not isinstance(mac, str) or len(mac) != 64:
        return False
    try:
        return _matches(obj, mac.lower(), keys_in_force(_pair(obj, pair)), purpose) is not None
    except (TypeError, ValueError, ImproperlyConfigured):
        return False


def signed_by_other_pair(obj: dict[str, Any], *, purpose: str, pair: str | None = None) -> str | None:
    """For the audit of a MAC that does not verify: the other pair (of the key file) whose key made it, if one did
    (a key of one pair used for another: misused or leaked), else None."""
    mac, table = obj.get(FIELD), key_table()
    if not isinstance(mac, str) or len(mac) != 64 or not table:
        return None
    own = _pair(obj, pair)
    try:
        for name, keys in table.items():
            if name != own and _matches(obj, mac.lower(), keys, purpose):
                return name
    except (TypeError, ValueError):
        return None
    return None
