"""insert_once: one statement, True only for the first row with a key, on both databases."""

from __future__ import annotations

import sqlalchemy as sa

from openteller.store.database import create_database_engine
from openteller.store.insert_once import insert_once


def test_only_the_first_row_with_a_key_is_inserted(database_url: str) -> None:
    engine = create_database_engine(database_url)
    metadata = sa.MetaData()
    table = sa.Table(
        "insert_once_probe",
        metadata,
        sa.Column("key", sa.String(20), primary_key=True),
        sa.Column("value", sa.String(20)),
    )
    metadata.create_all(engine)
    try:
        with engine.begin() as conn:
            assert insert_once(conn, table, {"key": "a", "value": "first"}) is True
            assert insert_once(conn, table, {"key": "a", "value": "second"}) is False
            assert insert_once(conn, table, {"key": "b", "value": "other"}) is True
            rows = dict(conn.execute(sa.select(table.c.key, table.c.value)).tuples().all())
        assert rows == {"a": "first", "b": "other"}
    finally:
        metadata.drop_all(engine)
        engine.dispose()
