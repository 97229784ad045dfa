"""Engines and schema migration for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from openteller.domain.errors import StorageError

_MIGRATIONS = Path(__file__).with_name("migrations")


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (SQLAlchemy's default is psycopg2)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def create_database_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"OPENTELLER_DATABASE_URL is not a database URL: {url!r}") from exc
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 30}
        database = parsed.database
        if database and database != ":memory:":
            parent = Path(database).expanduser().resolve().parent
            if not parent.is_dir():
                raise StorageError(f"the database folder does not exist: {parent}")
    else:
        kwargs["pool_pre_ping"] = True
        # Up to 20 per process (PostgreSQL's default limit is 100 for all processes);
        # request threads beyond that wait for a connection (never two at once each).
        # Most are kept open: under load, opening and closing overflow connections
        # (a PostgreSQL backend process each) cost more than the work itself.
        kwargs["pool_size"] = 15
        kwargs["max_overflow"] = 5
    # Customer values (ids, amounts, names) stay out of error messages and logs.
    engine = create_engine(url, hide_parameters=True, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Erasure must not leave deleted rows readable in free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def migrate(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema to the newest revision; returns (before, after)."""
    config = _alembic_config()
    try:
        with engine.begin() as connection:
            before = MigrationContext.configure(connection).get_current_revision()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            after = MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        raise StorageError(f"cannot reach the database: {exc.orig}") from exc
    return before, after or ""


def head_revision() -> str:
    """The newest migration revision shipped with this version."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""


def check_schema(engine: Engine) -> None:
    """Raise :class:`StorageError` unless the schema is at the newest revision."""
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot reach the database: {exc}") from exc
    head = head_revision()
    if current is None:
        raise StorageError("the database has no OpenTeller schema yet: run `openteller init`")
    if current != head:
        raise StorageError(
            f"the database schema is at revision {current}, this version needs {head}: "
            "run `openteller init` to migrate"
        )
