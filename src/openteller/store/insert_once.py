"""Insert a row unless its key is taken, in one statement.

A savepoint around an INSERT that may hit a unique key costs two more round trips per
row; PostgreSQL and SQLite both say ``ON CONFLICT DO NOTHING`` instead. Other databases
fall back to the savepoint. The statement is built once per table and database and only
bound to values after that (building one costs more than running it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Executable, Table, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

_STATEMENTS: dict[tuple[str, str], Executable] = {}


def insert_once(conn: Connection, table: Table, values: Mapping[str, Any]) -> bool:
    """Insert ``values`` into ``table``; False (and nothing changed) when a row with the
    same primary or unique key exists."""
    dialect = conn.dialect.name
    if dialect not in ("postgresql", "sqlite"):  # pragma: no cover - not supported
        try:
            with conn.begin_nested():
                conn.execute(insert(table).values(**values))
        except IntegrityError:
            return False
        return True
    statement = _STATEMENTS.get((dialect, table.name))
    if statement is None:
        build = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # RETURNING, not rowcount: psycopg reports no row count for ON CONFLICT.
        statement = build(table).on_conflict_do_nothing().returning(next(iter(table.columns)))
        _STATEMENTS[(dialect, table.name)] = statement
    return conn.execute(statement, dict(values)).first() is not None


_MANY: dict[tuple[str, str, str], Executable] = {}


def insert_many_once(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], key: str
) -> set[Any]:
    """Insert each of ``rows`` whose key is free, in one statement; the ``key`` column's
    values of the rows inserted (a row whose primary or unique key exists is left out,
    and nothing about it changes). ``rows`` must not repeat a key among themselves."""
    if not rows:
        return set()
    dialect = conn.dialect.name
    if len(rows) == 1 or dialect not in ("postgresql", "sqlite"):
        # one row: a plain execute, cheaper than the many-rows path's batching
        return {row[key] for row in rows if insert_once(conn, table, row)}
    statement = _MANY.get((dialect, table.name, key))
    if statement is None:
        build = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = build(table).on_conflict_do_nothing().returning(table.c[key])
        _MANY[(dialect, table.name, key)] = statement
    # Several rows with RETURNING: SQLAlchemy sends them as one multi-row INSERT.
    return set(conn.execute(statement, [dict(row) for row in rows]).scalars())
