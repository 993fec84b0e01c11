"""Encryption at rest of personal data (issue 11, item 7; SECURITY.md row 24): SM4-GCM field encryption under
a key ring, and the HMAC-SM3 blind index that exact lookups and duplicate checks compare instead of the number.

A sealed value is the text `$sm4$<key id>$<base64(nonce 12 | ciphertext | tag 16)>`: the key id names the ring
key that sealed it (rotation, `manage.py rotate_data_key`, re-seals the values not under the current key), the
GCM tag authenticates it and its column's place (the associated data is the table and column, so a value copied
into another column or row type does not open). The empty text and NULL are stored as they are: they hold
nothing, and "has an ID number" stays a plain condition.

Keys come from outside the database and the code: `XUEJI_DATA_KEYS` ("id:hex32,id:hex32", the first one seals)
and `XUEJI_INDEX_KEY` (hex, 16 to 64 bytes) in the environment, or `XUEJI_DATA_KEY_FILE`, a JSON file
{"data_keys": [["k2", "hex"], ["k1", "hex"]], "index_key": "hex"} (first data key current). Without either,
development and tests use fixed keys derived from SECRET_KEY (id "dev"); the production settings' deployment
check fails then (xueji.E011). The index key is not rotated by the rotation command: a new index key means
recomputing every index (`rotate_data_key --reindex`).

`XUEJI_SEALING = False` stores plaintext (no encryption, the index is the value itself): the unencrypted
baseline of bench/sealing.py, never a production setting (the deployment check refuses it)."""

import base64
import binascii
import json
import os
import secrets
import threading
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from xueji.core.crypto import SM4_KEY_SIZE, hmac_sm3, sm3

PREFIX = "$sm4$"
NONCE_SIZE = 12
TAG_SIZE = 16


class SealError(ValueError):
    """A sealed value that does not open: unknown key id, a wrong key, or a value changed outside the
    application (the tag does not verify). Raised, never answered with a wrong plaintext."""


@dataclass(frozen=True)
class KeyRing:
    keys: dict[str, bytes]  # key id -> 16-byte SM4 key
    current: str  # the key id that seals
    index_key: bytes
    source: str  # "environment", "file" or "development"

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise SealError(f"No data key {key_id!r} in the key ring") from None

    def algorithm(self, key_id: str):
        """The SM4 algorithm object of a key (made once: the import seals a dozen values a pupil)."""
        cache = self.__dict__.setdefault("_algorithms", {})
        algorithm = cache.get(key_id)
        if algorithm is None:
            algorithm = cache[key_id] = algorithms.SM4(self.key(key_id))
        return algorithm


def _hex_key(text: str, what: str, sizes=(SM4_KEY_SIZE,)) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{what} is not hex") from None
    if len(key) not in sizes:
        raise ImproperlyConfigured(f"{what} has {len(key)} bytes, wanted {' or '.join(map(str, sizes))}")
    return key


def _ring_of(pairs: list[tuple[str, str]], index_hex: str, source: str) -> KeyRing:
    if not pairs:
        raise ImproperlyConfigured("The data key ring is empty")
    keys: dict[str, bytes] = {}
    for key_id, hex_key in pairs:
        key_id = key_id.strip()
        if not key_id or not key_id.isalnum() or len(key_id) > 16:
            raise ImproperlyConfigured(f"A data key id is 1-16 letters or digits, not {key_id!r}")
        if key_id in keys:
            raise ImproperlyConfigured(f"Data key id {key_id!r} appears twice")
        keys[key_id] = _hex_key(hex_key, f"Data key {key_id!r}")
    if not index_hex:
        raise ImproperlyConfigured("No index key (XUEJI_INDEX_KEY or the key file's index_key)")
    index_key = _hex_key(index_hex, "The index key", sizes=tuple(range(16, 65)))
    return KeyRing(keys=keys, current=pairs[0][0].strip(), index_key=index_key, source=source)


def load_key_ring(environ=None, secret_key: str | None = None) -> KeyRing:
    environ = os.environ if environ is None else environ
    if environ.get("XUEJI_DATA_KEYS"):
        pairs = [tuple(item.split(":", 1)) for item in environ["XUEJI_DATA_KEYS"].split(",") if item.strip()]
        if any(len(p) != 2 for p in pairs):
            raise ImproperlyConfigured('XUEJI_DATA_KEYS is "id:hex,id:hex" (the first one seals)')
        return _ring_of(pairs, environ.get("XUEJI_INDEX_KEY", ""), "environment")
    if environ.get("XUEJI_DATA_KEY_FILE"):
        path = environ["XUEJI_DATA_KEY_FILE"]
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
            pairs = [(str(k), str(v)) for k, v in data["data_keys"]]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ImproperlyConfigured(f"The data key file {path} cannot be read: {error}") from None
        return _ring_of(pairs, str(data.get("index_key", "")), "file")
    secret = (secret_key if secret_key is not None else settings.SECRET_KEY).encode()
    return KeyRing(keys={"dev": sm3(b"xueji-dev-data-key|" + secret)[:SM4_KEY_SIZE]}, current="dev",
                   index_key=sm3(b"xueji-dev-index-key|" + secret), source="development")


@lru_cache(maxsize=1)
def key_ring() -> KeyRing:
    return load_key_ring()


def reset() -> None:
    """Forget the loaded key ring and cached indexes (tests that change the keys; the rotation command)."""
    key_ring.cache_clear()
    _index_cached.cache_clear()


def enabled() -> bool:
    return getattr(settings, "XUEJI_SEALING", True)


def seal(value: str | None, aad: bytes, *, ring: KeyRing | None = None) -> str | None:
    """The stored form of `value` (None and "" as they are)."""
    if not value or not enabled():
        return value
    return seal_on(value, aad, ring or key_ring())


def seal_on(value: str, aad: bytes, ring: KeyRing) -> str:
    """`seal` of a non-empty value with sealing on (the caller checked both: a writer of many rows checks once)."""
    nonce = _nonce()
    encryptor = _encryptor(ring.algorithm(ring.current), modes.GCM(nonce))
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(value.encode()) + encryptor.finalize()
    return f"{PREFIX}{ring.current}${base64.b64encode(nonce + body + encryptor.tag).decode()}"


# The bulk import seals a dozen values a pupil: the random nonces are drawn from the system's generator a few
# kilobytes at a time (the pool is emptied in a forked child, so two processes never share a nonce), and the GCM
# context is made by cryptography's own constructor without the checks `Cipher(...)` repeats for every value (the
# algorithm and mode objects are the same). Either falls back to the public API.
_NONCE_POOL = 4096 // NONCE_SIZE * NONCE_SIZE
_pool = bytearray()
_pool_lock = threading.Lock()  # two threads must never take the same nonce (GCM's one unforgivable mistake)


def _nonce() -> bytes:
    global _pool
    with _pool_lock:
        if not _pool:
            _pool = bytearray(os.urandom(_NONCE_POOL))
        nonce = bytes(_pool[-NONCE_SIZE:])
        del _pool[-NONCE_SIZE:]
    return nonce


def _forget_nonces() -> None:
    global _pool_lock
    _pool.clear()
    _pool_lock = threading.Lock()  # a lock held by another thread at the fork would never be released here


os.register_at_fork(after_in_child=_forget_nonces)

try:
    from cryptography.hazmat.bindings._rust import openssl as _rust_openssl

    _encryptor = _rust_openssl.ciphers.create_encryption_ctx
except (ImportError, AttributeError):  # pragma: no cover - another cryptography: the public API
    def _encryptor(algorithm, mode):
        return Cipher(algorithm, mode).encryptor()


def key_id_of(stored: str | None) -> str | None:
    """The key id a stored value is sealed under (None: not sealed)."""
    if not stored or not stored.startswith(PREFIX):
        return None
    return stored[len(PREFIX):].split("$", 1)[0]


def unseal(stored: str | None, aad: bytes, *, ring: KeyRing | None = None) -> str | None:
    """The plaintext of a stored value. A plaintext found where sealing is on, an unknown key id or a value whose
    tag does not verify raise SealError."""
    if not stored:
        return stored
    if not stored.startswith(PREFIX):
        if not enabled():
            return stored
        raise SealError("A value in a sealed column is not sealed (written outside the application?)")
    ring = ring or key_ring()
    try:
        key_id, text = stored[len(PREFIX):].split("$", 1)
        raw = base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raise SealError("A sealed value is malformed") from None
    if len(raw) < NONCE_SIZE + TAG_SIZE:
        raise SealError("A sealed value is too short")
    decryptor = Cipher(ring.algorithm(key_id), modes.GCM(raw[:NONCE_SIZE], raw[-TAG_SIZE:])).decryptor()
    decryptor.authenticate_additional_data(aad)
    try:
        plain = decryptor.update(raw[NONCE_SIZE:-TAG_SIZE]) + decryptor.finalize()
    except InvalidTag:
        raise SealError(f"A sealed value does not verify under key {key_id!r} (changed, or a wrong key)") from None
    return plain.decode()


@lru_cache(maxsize=65536)
def _index_cached(value: str, purpose: bytes, index_key: bytes) -> str:
    return hmac_sm3(index_key, purpose + b"\0" + value.encode()).hex()


def blind_index(value: str | None, purpose: bytes = b"id") -> str | None:
    """HMAC-SM3 (hex) of a value under the index key (None and "" as they are): equal values, equal indexes.
    `purpose` separates the indexes of different kinds of value (ID numbers, their tails)."""
    if not value:
        return value
    if not enabled():
        return value
    return _index_cached(value, purpose, key_ring().index_key)


def generate_key() -> str:
    return secrets.token_hex(SM4_KEY_SIZE)
