"""Shared pytest configuration and fixtures."""

from __future__ import annotations

from tests.db import (  # noqa: F401  (fixtures)
    database_url,
    keystore_url,
    postgres_keystore_url,
    postgres_url,
)
