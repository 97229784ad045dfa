"""The key store: wrapped customer data keys, kept in a database of their own.

Crypto-shredding only works if a backup of the customer data does not also hold the keys
that open it. So the wrapped data keys live here, in a separate database
(``OPENTELLER_KEYSTORE_URL``; for SQLite by default a ``<name>.keys.db`` file beside the
data): erasing a customer deletes their key here, and every copy of their ciphertext,
in the live database or any backup of it, stops opening.

Also kept per bank: the master key check value (to refuse a wrong master key at start-up)
and the audit log's Ed25519 signing key, wrapped by the master key. Master key rotation
re-wraps all of a bank's keys in one transaction of this database: either every key
moves to the new master key or none does.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from openteller.domain.errors import MasterKeyError, StorageError
from openteller.privacy.keys import MasterKeyProvider, key_check_value, verify_key_check

metadata = MetaData()

bank_keys = Table(
    "bank_keys",
    metadata,
    Column("bank_id", String(64), primary_key=True),
    Column("master_key_id", String(64), nullable=False),
    Column("key_check", LargeBinary, nullable=False),
    Column("audit_signing_key", LargeBinary, nullable=False),  # wrapped Ed25519 seed
    Column("audit_public_key", LargeBinary, nullable=False),
    Column("link_key", LargeBinary, nullable=False),  # wrapped HMAC key for reply links
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

customer_keys = Table(
    "customer_keys",
    metadata,
    Column("customer_id", String(32), primary_key=True),
    Column("bank_id", String(64), nullable=False, index=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("master_key_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

_AUDIT_CONTEXT = b"audit-signing-key"
_LINK_CONTEXT = b"reply-link-key"


@dataclass(frozen=True, slots=True)
class AuditKeys:
    """A bank's audit signing key (private, unwrapped) and its public key."""

    private: Ed25519PrivateKey
    public: bytes


def _now() -> datetime:
    return datetime.now(UTC)


class KeyStore:
    """Wrapped keys of the customers of every bank served by this deployment."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_tables(self) -> None:
        try:
            metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot reach the key store: {exc}") from exc

    # -- banks ---------------------------------------------------------------------------
    def ensure_bank(self, bank_id: str, keys: MasterKeyProvider) -> None:
        """Register the bank's master key on first use; refuse a different key later."""
        try:
            with self.engine.begin() as conn:
                row = conn.execute(
                    select(bank_keys.c.key_check).where(bank_keys.c.bank_id == bank_id)
                ).first()
                if row is not None:
                    verify_key_check(keys, row.key_check)
                    return
                signing = Ed25519PrivateKey.generate()
                conn.execute(
                    insert(bank_keys).values(
                        bank_id=bank_id,
                        master_key_id=keys.key_id,
                        key_check=key_check_value(keys),
                        audit_signing_key=keys.wrap(_seed(signing), _AUDIT_CONTEXT),
                        audit_public_key=_public(signing),
                        link_key=keys.wrap(secrets.token_bytes(32), _LINK_CONTEXT),
                        updated_at=_now(),
                    )
                )
        except IntegrityError:  # another process registered it first: check against theirs
            self.ensure_bank(bank_id, keys)
        except SQLAlchemyError as exc:
            raise StorageError(
                f"cannot reach the key store: {exc}; run `openteller init` to create it"
            ) from exc

    def audit_keys(self, bank_id: str, keys: MasterKeyProvider) -> AuditKeys:
        with self.engine.connect() as conn:
            row = conn.execute(select(bank_keys).where(bank_keys.c.bank_id == bank_id)).first()
        if row is None:
            raise StorageError(f"bank {bank_id!r} has no keys yet: run `openteller init`")
        private = Ed25519PrivateKey.from_private_bytes(
            keys.unwrap(row.audit_signing_key, _AUDIT_CONTEXT)
        )
        if _public(private) != bytes(row.audit_public_key):
            raise MasterKeyError(f"bank {bank_id!r}: the audit signing key does not match")
        return AuditKeys(private, bytes(row.audit_public_key))

    def link_key(self, bank_id: str, keys: MasterKeyProvider) -> bytes:
        """The bank's key for signing short-lived reply links (discreet mode)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(bank_keys.c.link_key).where(bank_keys.c.bank_id == bank_id)
            ).first()
        if row is None:
            raise StorageError(f"bank {bank_id!r} has no keys yet: run `openteller init`")
        return keys.unwrap(bytes(row.link_key), _LINK_CONTEXT)

    def audit_public_key(self, bank_id: str) -> bytes | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(bank_keys.c.audit_public_key).where(bank_keys.c.bank_id == bank_id)
            ).first()
        return None if row is None else bytes(row.audit_public_key)

    # -- customers -----------------------------------------------------------------------
    def put(self, bank_id: str, customer_id: str, wrapped: bytes, master_key_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(customer_keys).values(
                    customer_id=customer_id,
                    bank_id=bank_id,
                    wrapped_key=wrapped,
                    master_key_id=master_key_id,
                    created_at=_now(),
                )
            )

    def get(self, bank_id: str, customer_id: str) -> bytes | None:
        """The customer's wrapped key, or None once they have been erased."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(customer_keys.c.wrapped_key).where(
                    customer_keys.c.customer_id == customer_id,
                    customer_keys.c.bank_id == bank_id,
                )
            ).first()
        return None if row is None else bytes(row.wrapped_key)

    def delete(self, bank_id: str, customer_id: str) -> bool:
        """Shred the customer's key; True if there was one."""
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(customer_keys).where(
                    customer_keys.c.customer_id == customer_id,
                    customer_keys.c.bank_id == bank_id,
                )
            )
        return bool(result.rowcount)

    def customer_ids(self, bank_id: str) -> set[str]:
        with self.engine.connect() as conn:
            return {
                str(r.customer_id)
                for r in conn.execute(
                    select(customer_keys.c.customer_id).where(customer_keys.c.bank_id == bank_id)
                )
            }

    # -- rotation ------------------------------------------------------------------------
    def rotate(
        self,
        bank_id: str,
        old: MasterKeyProvider,
        new: MasterKeyProvider,
        *,
        on_key: Callable[[int], None] | None = None,
    ) -> int:
        """Re-wrap every key of the bank from ``old`` to ``new`` master key, in one
        transaction (data is not re-encrypted). Returns how many customer keys moved."""
        moved = 0
        with self.engine.begin() as conn:
            bank = conn.execute(
                select(bank_keys).where(bank_keys.c.bank_id == bank_id).with_for_update()
            ).first()
            if bank is None:
                raise StorageError(f"bank {bank_id!r} has no keys yet: run `openteller init`")
            verify_key_check(old, bank.key_check)
            rows = conn.execute(
                select(customer_keys.c.customer_id, customer_keys.c.wrapped_key)
                .where(customer_keys.c.bank_id == bank_id)
                .with_for_update()
            ).all()
            for row in rows:
                context = str(row.customer_id).encode()
                data_key = old.unwrap(bytes(row.wrapped_key), context)
                conn.execute(
                    update(customer_keys)
                    .where(customer_keys.c.customer_id == row.customer_id)
                    .values(wrapped_key=new.wrap(data_key, context), master_key_id=new.key_id)
                )
                moved += 1
                if on_key is not None:
                    on_key(moved)
            seed = old.unwrap(bytes(bank.audit_signing_key), _AUDIT_CONTEXT)
            link = old.unwrap(bytes(bank.link_key), _LINK_CONTEXT)
            conn.execute(
                update(bank_keys)
                .where(bank_keys.c.bank_id == bank_id)
                .values(
                    master_key_id=new.key_id,
                    key_check=key_check_value(new),
                    audit_signing_key=new.wrap(seed, _AUDIT_CONTEXT),
                    link_key=new.wrap(link, _LINK_CONTEXT),
                    updated_at=_now(),
                )
            )
        return moved


def _seed(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def _public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
