"""Nothing a customer would call private is readable in the database itself.

Ingest real files, then scan the raw storage: the SQLite file's bytes, and on PostgreSQL
every column of every table as text. Descriptions, merchant names, counterparties, amounts
as text and full account numbers must not appear.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from openteller.bootstrap import App
from openteller.ingest.registry import build_readers
from openteller.privacy.keys import generate_master_key_text
from openteller.settings import Settings
from openteller.store.database import create_database_engine, migrate
from tests.samples import fixture

SECRETS = [
    "ELECTRIC BILL",  # OFX NAME
    "RETURNED CHECK FEE",
    "1452687",  # full OFX account id (only the last four digits may be kept)
    "100.99",  # the booked balance as text
]


def _ingest(database_url: str, tmp_path: Path) -> None:
    settings = Settings(
        database_url=database_url,
        master_key=generate_master_key_text(),
        master_key_file=tmp_path / "unused.key",
    )
    app = App(settings)
    try:
        migrate(app.engine)
        report = app.ingest.ingest_file(
            fixture("ofx/ofxparse__checking.ofx"), "alice", build_readers()
        )
        assert report.status == "ok" and report.transactions_added == 3
    finally:
        app.close()


def _all_text(database_url: str) -> str:
    engine = create_database_engine(database_url)
    chunks: list[str] = []
    try:
        with engine.connect() as conn:
            for table in sa.inspect(conn).get_table_names():
                for row in conn.execute(sa.text(f'select * from "{table}"')):
                    for value in row:
                        if isinstance(value, bytes | memoryview):
                            chunks.append(bytes(value).decode("latin-1"))
                        else:
                            chunks.append(str(value))
    finally:
        engine.dispose()
    return "\n".join(chunks)


def test_sqlite_file_holds_no_plaintext(tmp_path: Path) -> None:
    database = tmp_path / "bank.db"
    _ingest(f"sqlite:///{database}", tmp_path)
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("bank.db*")).decode("latin-1")
    assert len(raw) > 10_000
    assert "alice" in _all_text(f"sqlite:///{database}")  # the scan does see the tables
    for secret in SECRETS:
        assert secret not in raw, secret
        assert secret.lower() not in raw.lower(), secret


def test_postgres_rows_hold_no_plaintext(tmp_path: Path, postgres_url: str) -> None:
    _ingest(postgres_url, tmp_path)
    text = _all_text(postgres_url)
    assert "alice" in text  # the bank's customer reference is plaintext: the scan works
    for secret in SECRETS:
        assert secret.lower() not in text.lower(), secret
