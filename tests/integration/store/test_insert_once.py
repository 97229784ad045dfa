"""insert_once: one statement, True only for the first row with a key, on both databases."""

from __future__ import annotations

import sqlalchemy as sa

from openteller.store.database import create_database_engine
from openteller.store.insert_once import insert_many_once, insert_once


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
            rows = dict(conn.execute(sa.select(table.c.key, table.c.value)).all())
        assert rows == {"a": "first", "b": "other"}
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_many_rows_in_one_statement_give_back_the_keys_inserted(database_url: str) -> None:
    engine = create_database_engine(database_url)
    metadata = sa.MetaData()
    table = sa.Table(
        "insert_many_once_probe",
        metadata,
        sa.Column("key", sa.String(20), primary_key=True),
        sa.Column("value", sa.String(20)),
    )
    metadata.create_all(engine)
    statements: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def count(*args: object) -> None:
        statements.append(str(args[2]))

    try:
        with engine.begin() as conn:
            assert insert_many_once(conn, table, [{"key": "a", "value": "first"}], "key") == {"a"}
            statements.clear()
            taken = insert_many_once(
                conn,
                table,
                [{"key": k, "value": "second"} for k in ("a", "b", "c")],
                "key",
            )
            assert [s for s in statements if "INSERT" in s.upper()] and len(statements) == 1
            assert insert_many_once(conn, table, [], "key") == set()
            rows = dict(conn.execute(sa.select(table.c.key, table.c.value)).all())
        assert taken == {"b", "c"}  # "a" was there: left as it was
        assert rows == {"a": "first", "b": "second", "c": "second"}
    finally:
        metadata.drop_all(engine)
        engine.dispose()
