"""core.crypto against the standards' vectors (SM3: GB/T 32905-2016 annex A) and SM2 sign/verify round trips."""

import hashlib
import hmac

import pytest

from xueji.core import crypto


def test_sm3_gives_the_standards_vectors_through_openssl_and_gmssl():
    abc = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    abcd16 = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    assert crypto.sm3_hex(b"abc") == abc
    assert crypto.sm3_hex(b"abcd" * 16) == abcd16
    assert crypto._sm3_gmssl(b"abc").hex() == abc
    assert crypto._sm3_gmssl(b"abcd" * 16).hex() == abcd16


def test_hmac_sm3_agrees_with_openssl_for_short_and_long_keys(monkeypatch):
    for key in (b"k", b"x" * 64, b"y" * 100):
        expected = hmac.new(key, b"message", "sm3").digest() if crypto._OPENSSL_SM3 else None
        ours = crypto.hmac_sm3(key, b"message")
        monkeypatch.setattr(crypto, "_OPENSSL_SM3", False)
        assert crypto.hmac_sm3(key, b"message") == ours
        monkeypatch.undo()
        if expected is not None:
            assert ours == expected
    assert crypto.hmac_sm3(b"k", b"message") != crypto.hmac_sm3(b"l", b"message")
    assert len(crypto.hmac_sm3(b"k", b"")) == crypto.SM3_DIGEST_SIZE
    assert hashlib.new("sm3")  # the platform's OpenSSL has SM3 (the fast path)


def test_sm2_sign_then_verify_and_every_tampering_fails():
    key = crypto.sm2_generate_key()
    assert len(key.private_key) == 64 and len(key.public_key) == 130 and key.public_key.startswith("04")
    assert crypto.sm2_public_key(key.private_key) == key.public_key
    signature = crypto.sm2_sign(key.private_key, "批准 request 7".encode())

    assert crypto.sm2_verify(key.public_key, "批准 request 7".encode(), signature)
    assert not crypto.sm2_verify(key.public_key, "批准 request 8".encode(), signature)
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    assert not crypto.sm2_verify(key.public_key, "批准 request 7".encode(), flipped)
    other = crypto.sm2_generate_key()
    assert not crypto.sm2_verify(other.public_key, "批准 request 7".encode(), signature)
    # The user id is part of what is signed (GM/T 0009's default unless both sides name another).
    assert not crypto.sm2_verify(key.public_key, "批准 request 7".encode(), signature, user_id=b"ALICE123@YAHOO.COM")


def test_sm2_interoperates_with_gmssl_default_user_id():
    from gmssl import sm2

    key = crypto.sm2_generate_key()
    theirs = sm2.CryptSM2(private_key=key.private_key, public_key="")
    theirs.public_key = key.public_key[2:]
    assert theirs.verify_with_sm3(crypto.sm2_sign(key.private_key, b"abc"), b"abc")
    assert crypto.sm2_verify(key.public_key, b"abc", theirs.sign_with_sm3(b"abc", "1" * 64))


def test_a_public_key_whose_x_starts_with_0_or_4_still_verifies():
    """gmssl's constructor would strip such digits (lstrip("04")): the wrapper sets the point itself."""
    private = "00000000000000000000000000000000000000000000000278dde6e5fd29f054"  # its x begins with 4
    public = crypto.sm2_public_key(private)
    assert public.startswith("044")
    key = type("Key", (), {"private_key": private, "public_key": public})
    assert crypto.sm2_verify(key.public_key, b"m", crypto.sm2_sign(key.private_key, b"m"))


@pytest.mark.parametrize("public_key,signature", [
    ("", "00" * 64), ("05" + "00" * 64, "00" * 64), ("04" + "zz" * 64, "00" * 64), (None, "00" * 63), (None, "00" * 64),
    (None, "ff" * 64), (None, "not hex" * 18 + "xx"),
])
def test_malformed_keys_and_signatures_are_not_verified_never_an_exception(public_key, signature):
    key = crypto.sm2_generate_key()
    assert crypto.sm2_verify(public_key if public_key is not None else key.public_key, b"m", signature) is False


@pytest.mark.parametrize("private_key", ["", "00" * 32, "zz" * 32, "ff" * 32, "12"])
def test_malformed_private_keys_are_refused(private_key):
    with pytest.raises(crypto.SM2Error):
        crypto.sm2_sign(private_key, b"m")
