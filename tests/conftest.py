"""Shared pytest configuration and fixtures."""

from __future__ import annotations

from tests.db import database_url, postgres_url  # noqa: F401  (fixtures)
