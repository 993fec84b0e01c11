"""A software FIDO2 authenticator for the tests (no browser): P-256 (ES256) credentials, "none" attestation, the
authenticator data and client data built as the WebAuthn spec lays them out, answers in the JSON shape of
navigator.credentials (base64url), so py_webauthn's own verification runs on them unchanged."""

import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

UP, UV, AT = 0x01, 0x04, 0x40


class SoftAuthenticator:
    def __init__(self, *, origin: str = "http://testserver", rp_id: str = "testserver") -> None:
        self.origin, self.rp_id = origin, rp_id
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin,
                           "crossOrigin": False}).encode()

    def _cose_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def create(self, options: dict) -> dict:
        """The answer of navigator.credentials.create() to the server's options (JSON)."""
        rp_hash = hashlib.sha256(options["rp"]["id"].encode()).digest()
        attested = bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + self._cose_key()
        auth_data = rp_hash + bytes([UP | UV | AT]) + struct.pack(">I", self.sign_count) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        cid = bytes_to_base64url(self.credential_id)
        return {"id": cid, "rawId": cid, "type": "public-key",
                "response": {"clientDataJSON": bytes_to_base64url(self._client_data("webauthn.create",
                                                                                     options["challenge"])),
                             "attestationObject": bytes_to_base64url(attestation), "transports": ["usb"]},
                "clientExtensionResults": {}}

    def get(self, options: dict, *, sign_count: int | None = None, key=None) -> dict:
        """The answer of navigator.credentials.get(): the counter moves on by one (or is `sign_count`); `key`
        signs instead of the credential's own (a forged answer)."""
        self.sign_count = self.sign_count + 1 if sign_count is None else sign_count
        rp_hash = hashlib.sha256(options.get("rpId", self.rp_id).encode()).digest()
        auth_data = rp_hash + bytes([UP | UV]) + struct.pack(">I", self.sign_count)
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = (key or self.private_key).sign(auth_data + hashlib.sha256(client_data).digest(),
                                                   ec.ECDSA(hashes.SHA256()))
        cid = bytes_to_base64url(self.credential_id)
        return {"id": cid, "rawId": cid, "type": "public-key",
                "response": {"clientDataJSON": bytes_to_base64url(client_data),
                             "authenticatorData": bytes_to_base64url(auth_data),
                             "signature": bytes_to_base64url(signature), "userHandle": None},
                "clientExtensionResults": {}}


def challenge_of(answer: dict) -> bytes:
    return base64url_to_bytes(json.loads(base64url_to_bytes(answer["response"]["clientDataJSON"]))["challenge"])
