"""G4 and G5: nothing private is readable at rest, and erasure makes it unreadable for good.

Ingest a real statement, then scan the raw storage: the SQLite file's bytes, and on
PostgreSQL a real ``pg_dump`` (bytea values decoded back to bytes). Descriptions,
merchant names, amounts as text and full account numbers must not appear. Then erase
the customer: the same scans find nothing of theirs, and a backup taken before the
erasure no longer decrypts, because the key that opened it is gone from the key store.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from openteller.bootstrap import App
from openteller.cli_privacy import OPERATOR
from openteller.domain.errors import MasterKeyError
from openteller.ingest.registry import build_readers
from openteller.privacy.access import UnknownCustomer
from openteller.store import schema
from openteller.store.database import create_database_engine, normalise_url
from tests.db import POSTGRES_URL, make_settings
from tests.samples import fixture

SECRETS = [
    "ELECTRIC BILL",  # OFX NAME
    "RETURNED CHECK FEE",
    "1452687",  # full OFX account id (only the last four digits may be kept)
    "100.99",  # the booked balance as text
]
#: What stays visible by design: the last four digits of the account, in ciphertext only.
AFTER_ERASURE = ["alice", *SECRETS]


def _app(database_url: str, keystore_url: str | None, tmp_path: Path, key: str) -> App:
    app = App(make_settings(database_url, keystore_url, tmp_path, master_key=key))
    app.init()
    return app


def _ingest(app: App) -> None:
    report = app.ingest.ingest_file(fixture("ofx/ofxparse__checking.ofx"), "alice", build_readers())
    assert report.status == "ok" and report.transactions_added == 3


def _sqlite_raw(database: Path) -> str:
    return b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*")).decode(
        "latin-1"
    )


def _pg_dump(url: str, *, ciphertext: bool = True) -> str:
    """A real pg_dump of the test schema, with bytea hex decoded back to raw bytes."""
    schema_name = re.search(r"search_path%3D(\w+)", url)
    assert schema_name is not None
    dump = subprocess.run(
        ["pg_dump", "--dbname", POSTGRES_URL.split("?")[0], "--schema", schema_name.group(1)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert "COPY" in dump
    decoded = [bytes.fromhex(h).decode("latin-1") for h in re.findall(r"\\\\x([0-9a-f]+)", dump)]
    assert bool(decoded) is ciphertext, "the scan must see the ciphertext there is"
    return dump + "\n-- decoded bytea\n" + "\n".join(decoded)


def _assert_absent(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret.lower() not in text.lower(), secret


def test_sqlite_file_holds_no_plaintext_and_erasure_shreds_backups(tmp_path: Path) -> None:
    database = tmp_path / "bank.db"
    key = make_settings("sqlite://", None, tmp_path).master_key.get_secret_value()
    app = _app(f"sqlite:///{database}", None, tmp_path, key)
    _ingest(app)
    app.close()  # checkpoints the WAL into the file
    raw = _sqlite_raw(database)
    assert len(raw) > 10_000
    assert "alice" in raw  # the bank's customer reference is plaintext: the scan sees rows
    _assert_absent(raw, SECRETS)

    backup = tmp_path / "backup" / "bank.db"
    backup.parent.mkdir()
    shutil.copy(database, backup)

    app = _app(f"sqlite:///{database}", None, tmp_path, key)
    assert len(app.access.transactions("alice", OPERATOR)) == 3
    app.erasure.erase("alice")
    with pytest.raises(UnknownCustomer):
        app.access.transactions("alice", OPERATOR)
    assert app.audit.verify().ok  # the log still verifies, with the erasure in it
    app.close()
    _assert_absent(_sqlite_raw(database), AFTER_ERASURE)

    # The old backup, opened with the same master key and the live key store: alice's
    # rows are there, but their key is gone.
    restored = App(
        make_settings(
            f"sqlite:///{backup}",
            f"sqlite:///{database.with_name('bank.keys.db')}",
            tmp_path,
            master_key=key,
        )
    )
    try:
        with restored.engine.connect() as conn:
            blocks = conn.execute(sa.select(sa.func.count()).select_from(schema.ledger_blocks))
            assert blocks.scalar_one() > 0
            with pytest.raises(MasterKeyError, match="no data key"):
                restored.store.find_customer(conn, "alice")
    finally:
        restored.close()


def test_postgres_dump_holds_no_plaintext_and_erasure_shreds_backups(
    tmp_path: Path, postgres_url: str, postgres_keystore_url: str
) -> None:
    key = make_settings("sqlite://", None, tmp_path).master_key.get_secret_value()
    app = _app(postgres_url, postgres_keystore_url, tmp_path, key)
    try:
        _ingest(app)
        backup = _pg_dump(postgres_url)
        assert "alice" in backup
        _assert_absent(backup, SECRETS)
        app.erasure.erase("alice")
        _assert_absent(_pg_dump(postgres_url, ciphertext=False), AFTER_ERASURE)
    finally:
        app.close()
    # Restore the pre-erasure backup into a database of its own, and open it with the
    # same master key and the live key store: alice's rows are back, her key is not.
    with _restored(backup, postgres_url) as restored_url:
        restored = App(make_settings(restored_url, postgres_keystore_url, tmp_path, master_key=key))
        try:
            with restored.engine.connect() as conn:
                blocks = conn.execute(sa.select(sa.func.count()).select_from(schema.ledger_blocks))
                assert blocks.scalar_one() > 0
                with pytest.raises(MasterKeyError, match="no data key"):
                    restored.store.find_customer(conn, "alice")
        finally:
            restored.close()


@contextmanager
def _restored(dump: str, url: str) -> Iterator[str]:
    name = "ot_restore_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    base = POSTGRES_URL.split("?")[0].rsplit("/", 1)[0]
    try:
        subprocess.run(
            ["psql", "--quiet", "--set", "ON_ERROR_STOP=1", "--dbname", f"{base}/{name}"],
            input=dump.split("\n-- decoded bytea\n")[0],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        yield f"{base}/{name}?{url.split('?', 1)[1]}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database "{name}" with (force)'))
        admin.dispose()


def test_a_wrong_master_key_is_refused_at_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bank.db"
    app = _app(
        url, None, tmp_path, make_settings(url, None, tmp_path).master_key.get_secret_value()
    )
    app.close()
    other = App(make_settings(url, None, tmp_path))
    try:
        with pytest.raises(MasterKeyError, match="does not match"):
            other.ready()
    finally:
        other.close()


def test_the_key_store_must_be_apart_from_the_data(tmp_path: Path) -> None:
    from openteller.domain.errors import ConfigurationError

    url = f"sqlite:///{tmp_path}/bank.db"
    with pytest.raises(ConfigurationError, match="different database"):
        App(make_settings(url, url, tmp_path)).keystore_engine  # noqa: B018
    with pytest.raises(ConfigurationError, match="OPENTELLER_KEYSTORE_URL"):
        App(make_settings("postgresql://u@h/db", None, tmp_path)).keystore_engine  # noqa: B018
    engine = create_database_engine(url)
    engine.dispose()
