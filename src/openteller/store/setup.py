"""Preparing storage: the key store, keys of an earlier version, and the schema."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from openteller.domain.errors import ConfigurationError
from openteller.privacy.keys import MasterKeyProvider, verify_key_check
from openteller.store.database import migrate, normalise_url
from openteller.store.keystore import KeyStore


def keystore_url_for(database_url: str, keystore_url: str | None) -> str:
    """The key store's URL: the configured one, or beside a SQLite database file."""
    if keystore_url:
        if normalise_url(keystore_url) == normalise_url(database_url):
            raise ConfigurationError(
                "OPENTELLER_KEYSTORE_URL must name a different database from "
                "OPENTELLER_DATABASE_URL: a backup of the data must not hold its keys"
            )
        return keystore_url
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() != "sqlite":
        raise ConfigurationError(
            "set OPENTELLER_KEYSTORE_URL to a database other than OPENTELLER_DATABASE_URL "
            "(e.g. a second PostgreSQL database): customer keys are kept apart from the "
            "data so that erasure also covers backups"
        )
    database = url.database or ""
    if not database or database == ":memory:":
        return "sqlite://"
    stem = database[:-3] if database.endswith(".db") else database
    return f"sqlite:///{stem}.keys.db"


def prepare(
    engine: Engine, keystore: KeyStore, keys: MasterKeyProvider, bank_id: str
) -> tuple[str | None, str]:
    """Create the key store, move keys of an earlier version into it, migrate the schema.

    Returns the schema revision before and after.
    """
    keystore.create_tables()
    _adopt_legacy_keys(engine, keystore, keys)
    return migrate(engine)


def _adopt_legacy_keys(engine: Engine, keystore: KeyStore, keys: MasterKeyProvider) -> None:
    """Revision 0001 kept wrapped keys in the customers table; copy them to the key store
    before migration 0002 drops that column."""
    with engine.connect() as conn:
        columns = (
            {c["name"] for c in inspect(conn).get_columns("customers")}
            if inspect(conn).has_table("customers")
            else set()
        )
        if "wrapped_key" not in columns:
            return
        for bank in conn.execute(text("select id, key_check from banks")).all():
            verify_key_check(keys, bytes(bank.key_check))
            keystore.ensure_bank(str(bank.id), keys)
        rows = conn.execute(
            text("select id, bank_id, wrapped_key, master_key_id from customers")
        ).all()
    for row in rows:
        if keystore.get(str(row.bank_id), str(row.id)) is None:
            keystore.put(str(row.bank_id), str(row.id), bytes(row.wrapped_key), row.master_key_id)
