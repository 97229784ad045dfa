"""AES-256-GCM encryption of customer data under the customer's data key.

Every ciphertext is bound to where it is stored (``context``, e.g.
``ledger:<account id>:<month>``) as associated data, so a block copied to another
row or customer does not decrypt.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from openteller.domain.errors import OpenTellerError

_NONCE = 12
_VERSION = b"\x01"


class DecryptionError(OpenTellerError):
    """A ciphertext did not open: wrong key, wrong place, or tampered."""


class CustomerCipher:
    """Encrypts and decrypts one customer's data."""

    def __init__(self, data_key: bytes) -> None:
        self._aead = AESGCM(data_key)
        self._id_key = hmac.new(data_key, b"openteller transaction ids", hashlib.sha256).digest()

    def __repr__(self) -> str:
        return "CustomerCipher(key=***)"

    def encrypt(self, plaintext: bytes, context: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, context.encode())

    def decrypt(self, ciphertext: bytes, context: str) -> bytes:
        if not ciphertext or ciphertext[:1] != _VERSION:
            raise DecryptionError(f"unknown ciphertext version for {context}")
        nonce, body = ciphertext[1 : 1 + _NONCE], ciphertext[1 + _NONCE :]
        try:
            return self._aead.decrypt(nonce, body, context.encode())
        except InvalidTag as exc:
            raise DecryptionError(f"ciphertext for {context} does not open") from exc

    def stable_id(self, *parts: str) -> str:
        """A stable opaque id (26 hex digits, 104 bits) for ``parts``, unlinkable without
        the key."""
        return hmac.digest(self._id_key, "\x1f".join(parts).encode(), "sha256")[:13].hex()
