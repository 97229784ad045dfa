"""Times read back from the database: SQLite returns them without a zone (they were
stored in UTC), PostgreSQL with one."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    """``value`` with its zone; a time without one is taken as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
