"""National commercial cryptography (商用密码) for the whole system: thin wrappers, one section per algorithm.

- SM3 (GB/T 32905-2016): digest and HMAC-SM3. Through OpenSSL (`hashlib.new("sm3")`, C speed: the audit chain
  hashes every audit row) when the linked OpenSSL has it, else the pure-Python `gmssl` package; both give the
  standard's vectors (tests/test_crypto.py).
- SM2 (GB/T 32918-2016, signatures with the GM/T 0009-2012 user id): key generation, sign and verify, over
  `gmssl` 3.2.2. Keys and signatures travel as lower-case hex: a private key is 64 hex digits, a public key the
  uncompressed point "04" + x + y (130), a signature r || s (128).
- SM4 (GB/T 32907-2016): a streaming encryptor in CTR mode through OpenSSL (`cryptography`, C speed: backups run
  gigabytes through it), to be paired with HMAC-SM3 over the ciphertext (encrypt-then-MAC, `hmac_sm3_stream`).

Two things `gmssl` gets wrong, worked around here: its signing nonce comes from `random.choice` (not a
cryptographic generator), so the nonce is drawn with `secrets` and passed in; and its `CryptSM2` strips a "04"
prefix with `str.lstrip("04")`, which also eats a leading 0 or 4 of x, so the point is set after construction.
Pure Python: a signature costs a few milliseconds, not constant-time. A real UKey or 签名验签服务器 signs outside
the application; these functions then only verify."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from gmssl import sm2 as _gm_sm2
from gmssl import sm3 as _gm_sm3

# ---------------------------------------------------------------------------------------------------- SM3

SM3_DIGEST_SIZE = 32
SM3_BLOCK_SIZE = 64

try:
    hashlib.new("sm3")
    _OPENSSL_SM3 = True
except ValueError:  # an OpenSSL without SM3
    _OPENSSL_SM3 = False


def _sm3_gmssl(data: bytes) -> bytes:
    return bytes.fromhex(_gm_sm3.sm3_hash(list(data)))


def sm3(data: bytes) -> bytes:
    """The SM3 digest of `data` (32 bytes)."""
    if _OPENSSL_SM3:
        return hashlib.new("sm3", data).digest()
    return _sm3_gmssl(data)


def sm3_hex(data: bytes) -> str:
    return sm3(data).hex()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """HMAC-SM3 (RFC 2104 over SM3, block 64 bytes)."""
    if _OPENSSL_SM3:
        return hmac.new(key, data, "sm3").digest()
    if len(key) > SM3_BLOCK_SIZE:
        key = _sm3_gmssl(key)
    key = key.ljust(SM3_BLOCK_SIZE, b"\0")
    inner = _sm3_gmssl(bytes(b ^ 0x36 for b in key) + data)
    return _sm3_gmssl(bytes(b ^ 0x5C for b in key) + inner)


def digests_equal(a: bytes | str, b: bytes | str) -> bool:
    """Constant-time comparison of two digests (bytes or hex)."""
    if isinstance(a, str):
        a = a.encode()
    if isinstance(b, str):
        b = b.encode()
    return hmac.compare_digest(a, b)


# ---------------------------------------------------------------------------------------------------- SM2

# GM/T 0009-2012: the user id both sides assume when none was agreed ("1234567812345678").
SM2_DEFAULT_USER_ID = b"1234567812345678"
_CURVE = _gm_sm2.default_ecc_table
_N = int(_CURVE["n"], 16)


class SM2Error(ValueError):
    """A malformed SM2 key or signature."""


@dataclass(frozen=True)
class SM2KeyPair:
    private_key: str  # 64 hex digits
    public_key: str  # "04" + x + y, 130 hex digits


def _engine(private_key: str = "", public_point: str = "") -> _gm_sm2.CryptSM2:
    engine = _gm_sm2.CryptSM2(private_key=private_key, public_key="")
    engine.public_key = public_point  # x || y, 128 hex digits (see the module's note on lstrip)
    return engine


def _point(public_key: str) -> str:
    """x || y of a serialised public key ("04" + 128 hex digits), checked."""
    key = public_key.strip().lower()
    if len(key) != 130 or not key.startswith("04"):
        raise SM2Error("An SM2 public key is '04' followed by 128 hex digits.")
    try:
        bytes.fromhex(key)
    except ValueError:
        raise SM2Error("An SM2 public key is hex.") from None
    return key[2:]


def _scalar(private_key: str) -> int:
    try:
        d = int(private_key, 16)
    except ValueError:
        raise SM2Error("An SM2 private key is 64 hex digits.") from None
    if len(private_key) != 64 or not 1 <= d <= _N - 2:
        raise SM2Error("An SM2 private key is 64 hex digits in [1, n-2].")
    return d


def sm2_public_key(private_key: str) -> str:
    """The public key of a private key: d·G, serialised."""
    d = _scalar(private_key)
    return "04" + _engine()._kg(d, _CURVE["g"])


def sm2_generate_key() -> SM2KeyPair:
    """A fresh key pair, d drawn by `secrets` in [1, n-2]."""
    private_key = f"{secrets.randbelow(_N - 2) + 1:064x}"
    return SM2KeyPair(private_key=private_key, public_key=sm2_public_key(private_key))


def _e(public_point: str, data: bytes, user_id: bytes) -> bytes:
    """e = SM3(Z_A || M), Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A) (GB/T 32918.2, 5.5)."""
    entl = (len(user_id) * 8).to_bytes(2, "big")
    z = sm3(entl + user_id + bytes.fromhex(_CURVE["a"] + _CURVE["b"] + _CURVE["g"] + public_point))
    return sm3(z + data)


def sm2_sign(private_key: str, data: bytes, *, public_key: str | None = None,
             user_id: bytes = SM2_DEFAULT_USER_ID) -> str:
    """The SM2 signature (r || s, hex) of `data` with SM3 and the user id (GM/T 0009's default)."""
    _scalar(private_key)
    point = _point(public_key) if public_key else sm2_public_key(private_key)[2:]
    engine = _engine(private_key, point)
    e = _e(point, data, user_id)
    while True:  # a nonce giving r = 0, r + k = n or s = 0 is drawn again (probability ~2^-256)
        signature = engine.sign(e, f"{secrets.randbelow(_N - 1) + 1:064x}")
        if signature:
            return signature


def sm2_verify(public_key: str, data: bytes, signature: str, *, user_id: bytes = SM2_DEFAULT_USER_ID) -> bool:
    """Whether `signature` (r || s, hex) is the SM2 signature of `data` by the holder of `public_key`. A
    malformed key or signature is not verified (False), never an exception."""
    try:
        point = _point(public_key)
        if len(signature) != 128:
            return False
        r, s = int(signature[:64], 16), int(signature[64:], 16)
    except (SM2Error, ValueError):
        return False
    if not (1 <= r < _N and 1 <= s < _N):
        return False
    try:
        return bool(_engine("", point).verify(signature, _e(point, data, user_id)))
    except (ValueError, TypeError, ZeroDivisionError):  # a point off the curve and the like
        return False


# ---------------------------------------------------------------------------------------------------- SM4

SM4_KEY_SIZE = 16
SM4_BLOCK_SIZE = 16


def sm4_ctr(key: bytes, nonce: bytes):
    """A streaming SM4-CTR cipher context (`update(chunk)` -> bytes, `finalize()`): the same call encrypts and
    decrypts. CTR gives no integrity: authenticate the ciphertext with `hmac_sm3_stream` and check it before use.
    A (key, nonce) pair must never encrypt twice: draw the 16-byte nonce with `secrets.token_bytes`."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    if len(key) != SM4_KEY_SIZE or len(nonce) != SM4_BLOCK_SIZE:
        raise ValueError("SM4 needs a 16-byte key and a 16-byte nonce")
    return Cipher(algorithms.SM4(key), modes.CTR(nonce)).encryptor()


def hmac_sm3_stream(key: bytes):
    """An incremental HMAC-SM3 (`update`, `digest`, `hexdigest`), for data too large to hold at once."""
    if _OPENSSL_SM3:
        return hmac.new(key, digestmod="sm3")
    return hmac.new(key, digestmod=_Sm3Hash)


class _Sm3Hash:
    """A hashlib-like SM3 over gmssl (buffering: only for an OpenSSL without SM3)."""

    digest_size = SM3_DIGEST_SIZE
    block_size = SM3_BLOCK_SIZE

    def __init__(self, data: bytes = b"") -> None:
        self._data = bytearray(data)

    def update(self, data: bytes) -> None:
        self._data += data

    def copy(self) -> "_Sm3Hash":
        return _Sm3Hash(bytes(self._data))

    def digest(self) -> bytes:
        return _sm3_gmssl(bytes(self._data))

    def hexdigest(self) -> str:
        return self.digest().hex()
