"""Database fixtures for SQLite (always) and PostgreSQL (the real server).

PostgreSQL tests use ``OPENTELLER_TEST_POSTGRES_URL`` (default the local server,
``postgresql://postgres@127.0.0.1:5432/test``), each test in a fresh schema that is
dropped afterwards. Without a reachable server they skip with the reason, except in CI
(``CI=true``), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get(
    "OPENTELLER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def _postgres_admin_engine() -> sa.Engine:
    from openteller.store.database import normalise_url

    return sa.create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")


def postgres_available() -> str | None:
    """None when the server answers, else the reason it does not."""
    try:
        engine = _postgres_admin_engine()
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect is a reason to skip
        return f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc.__class__.__name__}"
    return None


def _require_postgres() -> None:
    reason = postgres_available()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI needs PostgreSQL: {reason}")
        pytest.skip(reason)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose search_path is a fresh, empty schema on the real server."""
    _require_postgres()
    yield from _fresh_schema_url()


@pytest.fixture
def postgres_keystore_url() -> Iterator[str]:
    """A second fresh schema, for the key store (kept apart from the data)."""
    _require_postgres()
    yield from _fresh_schema_url()


def _fresh_schema_url() -> Iterator[str]:
    schema = "ot_test_" + uuid.uuid4().hex[:12]
    admin = _postgres_admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """Each test using this runs twice: on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/openteller.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def keystore_url(database_url: str, request: pytest.FixtureRequest) -> str | None:
    """The key store for ``database_url``: derived beside a SQLite file, else a second
    PostgreSQL schema."""
    if database_url.startswith("sqlite"):
        return None
    url: str = request.getfixturevalue("postgres_keystore_url")
    return url


def make_settings(
    database_url: str, keystore_url: str | None, tmp_path: object, **extra: Any
) -> Any:
    """Settings for a test app with a fresh random master key."""
    from openteller.privacy.keys import generate_master_key_text
    from openteller.settings import Settings

    values: dict[str, Any] = {
        "database_url": database_url,
        "keystore_url": keystore_url,
        "master_key": generate_master_key_text(),
        "master_key_file": f"{tmp_path}/unused.key",
    }
    values.update(extra)
    return Settings(**values)
