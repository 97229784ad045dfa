"""A few hot statements run straight on the database driver's cursor.

Every question a customer asks runs the same handful of statements (find the customer,
read the numeric blocks, move the audit head, insert the audit entry). Through
SQLAlchemy Core each execution spends more Python time on bookkeeping (cache key,
parameter processing, result metadata) than the database spends answering; at 20,000
transactions that bookkeeping alone was a fifth of a spending question.

:class:`DirectStatement` keeps SQLAlchemy as the author of the SQL: the Core statement
is compiled by the connection's own dialect, once per dialect, and then only the
parameters travel to the driver. It runs inside the Connection's transaction (begun
the way Core would begin it), and driver errors come back as SQLAlchemy's own
exceptions with parameters hidden, so callers and retry logic see no difference.
Statements whose columns need type conversion in Python (a bind or result processor
in that dialect, a Python-side default, any result column other than text, integers
and bytes) are run through Core, so nothing is ever passed or returned unconverted.
Being past Core, these statements do not reach Core's cursor events or echo logging.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Integer, LargeBinary, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    #: Parameter names in placeholder order (positional drivers), or None (named).
    positions: tuple[str, ...] | None
    #: Values the statement carries itself (literals bound by SQLAlchemy).
    fixed: Mapping[str, Any]
    #: False when some column needs Python-side conversion: run through Core.
    direct: bool


class DirectStatement:
    """A Core statement compiled once per dialect and run on the DBAPI cursor."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, str, str], _Compiled] = {}
        self._lock = threading.Lock()

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> Sequence[tuple[Any, ...]]:
        """All result rows, as tuples in the statement's column order."""
        compiled = self._compile(conn.dialect)
        if not compiled.direct:
            return [tuple(row) for row in conn.execute(self.statement, dict(params))]
        cursor = self._run(conn, compiled, params)
        try:
            return cursor.fetchall()  # type: ignore[no-any-return]
        finally:
            cursor.close()

    def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first result row, or None."""
        found = self.rows(conn, params)
        return tuple(found[0]) if found else None

    def run(self, conn: Connection, params: Mapping[str, Any]) -> None:
        """Run a write whose row count does not matter (an INSERT)."""
        self.rowcount(conn, params)

    def rowcount(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Run an UPDATE or DELETE; the number of rows it matched."""
        compiled = self._compile(conn.dialect)
        if not compiled.direct:
            return int(conn.execute(self.statement, dict(params)).rowcount)
        cursor = self._run(conn, compiled, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    # -- internals ---------------------------------------------------------------------
    def _compile(self, dialect: Dialect) -> _Compiled:
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        compiled = self._compiled.get(key)
        if compiled is not None:
            return compiled
        with self._lock:
            compiled = self._compiled.get(key)
            if compiled is None:
                compiled = _compile(self.statement, dialect)
                self._compiled[key] = compiled
        return compiled

    def _run(self, conn: Connection, compiled: _Compiled, params: Mapping[str, Any]) -> Any:
        if not conn.in_transaction():
            conn.begin()  # as Core's autobegin: committed or rolled back by the caller
        values = {**compiled.fixed, **params} if compiled.fixed else params
        arguments: Any = (
            values
            if compiled.positions is None
            else tuple(values[name] for name in compiled.positions)
        )
        dbapi_connection = conn.connection.dbapi_connection
        assert dbapi_connection is not None  # a live connection: it is in a transaction
        cursor = dbapi_connection.cursor()
        dialect = conn.dialect
        try:
            cursor.execute(compiled.sql, arguments)
        except dialect.loaded_dbapi.Error as exc:
            cursor.close()
            if dialect.is_disconnect(exc, dbapi_connection, cursor):
                conn.invalidate(exc)
            raise DBAPIError.instance(
                compiled.sql,
                arguments,
                exc,
                dialect.loaded_dbapi.Error,
                hide_parameters=True,
                dialect=dialect,
            ) from exc
        return cursor


def _compile(statement: Executable, dialect: Dialect) -> _Compiled:
    compiled: Any = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    binds = list(compiled.bind_names.items())
    needs_core = (
        bool(compiled._bind_processors)
        or any(bind.expanding or bind.callable is not None for bind, _name in binds)
        or bool(getattr(compiled, "insert_prefetch", None))  # Python-side column defaults
        or bool(getattr(compiled, "update_prefetch", None))
        or not all(
            _passes_through(column_type, dialect)
            for *_names, column_type in compiled._result_columns
        )
    )
    return _Compiled(
        sql=compiled.string,
        positions=tuple(compiled.positiontup) if compiled.positional else None,
        fixed={name: bind.effective_value for bind, name in binds if not bind.required},
        direct=not needs_core,
    )


#: Column types whose values the drivers return as Python wants them (str, int, bytes).
_PLAIN_TYPES = (String, Integer, LargeBinary)


def _passes_through(column_type: Any, dialect: Dialect) -> bool:
    """Whether a result column needs no conversion in this dialect (checked by type:
    some processors depend on what the driver reports at run time)."""
    if isinstance(column_type, TypeDecorator) or not isinstance(column_type, _PLAIN_TYPES):
        return False
    try:
        return column_type._cached_result_processor(dialect, None) is None
    except Exception:  # a processor that needs the driver's type code: leave it to Core
        return False
