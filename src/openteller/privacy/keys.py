"""Master keys and per-customer data keys (envelope encryption).

Each customer has a random 256-bit data key; it is stored only wrapped (AES-256-GCM)
by the bank's master key, through the small :class:`MasterKeyProvider` interface so that
a KMS or HSM can replace :class:`LocalMasterKey`. Erasing a customer deletes the wrapped
key: every ciphertext of that customer, including in old backups, becomes unreadable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from openteller.domain.errors import MasterKeyError

_NONCE = 12
_CHECK_PLAINTEXT = b"openteller master key check v1"


class MasterKeyProvider(Protocol):
    """Wraps and unwraps data keys; implement this for a KMS or HSM."""

    @property
    def key_id(self) -> str:
        """A non-secret identifier of the master key (stored beside wrapped keys)."""
        ...

    def wrap(self, data_key: bytes, context: bytes) -> bytes:
        """Encrypt ``data_key``, binding it to ``context`` (e.g. the customer id)."""
        ...

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        """Decrypt a wrapped key; raise :class:`MasterKeyError` if it does not open."""
        ...


class LocalMasterKey:
    """A master key held in process memory, from an env var or a key file."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise MasterKeyError(f"the master key must be 32 bytes, got {len(key)}")
        self._aead = AESGCM(key)
        self._key_id = hashlib.sha256(b"openteller key id" + key).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"LocalMasterKey(key_id={self._key_id!r}, key=***)"

    @property
    def key_id(self) -> str:
        return self._key_id

    def wrap(self, data_key: bytes, context: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, data_key, context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        try:
            return self._aead.decrypt(wrapped[:_NONCE], wrapped[_NONCE:], context)
        except InvalidTag as exc:
            raise MasterKeyError(
                "a data key does not open with this master key (wrong OPENTELLER_MASTER_KEY?)"
            ) from exc


def decode_master_key(text: str, origin: str) -> bytes:
    """Parse a master key written as 64 hex digits or base64 of 32 bytes."""
    cleaned = text.strip()
    try:
        if len(cleaned) == 64 and all(c in "0123456789abcdefABCDEF" for c in cleaned):
            key = bytes.fromhex(cleaned)
        else:
            key = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MasterKeyError(f"{origin}: not hex or base64: {exc}") from exc
    if len(key) != 32:
        raise MasterKeyError(f"{origin}: a master key must decode to 32 bytes, got {len(key)}")
    return key


def generate_master_key_text() -> str:
    """A new random master key as url-safe base64 text."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def write_key_file(path: Path) -> None:
    """Create ``path`` holding a new master key, readable by the owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(generate_master_key_text() + "\n")


def new_data_key() -> bytes:
    """A fresh random 256-bit customer data key."""
    return secrets.token_bytes(32)


def key_check_value(provider: MasterKeyProvider) -> bytes:
    """A value stored in the database to recognise the right master key at start-up."""
    return provider.wrap(_CHECK_PLAINTEXT, b"key-check")


def verify_key_check(provider: MasterKeyProvider, stored: bytes) -> None:
    """Raise :class:`MasterKeyError` unless ``stored`` was made with this master key."""
    try:
        opened = provider.unwrap(stored, b"key-check")
    except MasterKeyError as exc:
        raise MasterKeyError(
            "the master key does not match this database: it was initialised with a "
            "different key (check OPENTELLER_MASTER_KEY / OPENTELLER_MASTER_KEY_FILE)"
        ) from exc
    if opened != _CHECK_PLAINTEXT:  # pragma: no cover - GCM makes this unreachable
        raise MasterKeyError("the master key check value is corrupt")
