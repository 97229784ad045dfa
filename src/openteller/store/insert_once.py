"""Insert a row unless its key is taken, in one statement.

A savepoint around an INSERT that may hit a unique key costs two more round trips per
row; PostgreSQL and SQLite both say ``ON CONFLICT DO NOTHING`` instead. Other databases
fall back to the savepoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Executable, Table, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError


def insert_once(conn: Connection, table: Table, values: Mapping[str, Any]) -> bool:
    """Insert ``values`` into ``table``; False (and nothing changed) when a row with the
    same primary or unique key exists."""
    dialect = conn.dialect.name
    statement: Executable
    marker = next(iter(table.columns))
    if dialect == "postgresql":
        statement = (
            postgresql.insert(table).values(**values).on_conflict_do_nothing().returning(marker)
        )
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing().returning(marker)
    else:  # pragma: no cover - only PostgreSQL and SQLite are supported
        try:
            with conn.begin_nested():
                conn.execute(insert(table).values(**values))
        except IntegrityError:
            return False
        return True
    # RETURNING, not rowcount: psycopg reports no row count for INSERT ... ON CONFLICT
    return conn.execute(statement).first() is not None
