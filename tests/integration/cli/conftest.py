"""The ``Cli`` runner and its fixtures: a real ``openteller`` process per call."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class Cli:
    """Runs ``openteller`` against one database and key file in a scratch directory."""

    def __init__(self, workdir: Path, database_url: str, keystore_url: str | None = None) -> None:
        self.workdir = workdir
        self.env = {
            **os.environ,
            "OPENTELLER_DATABASE_URL": database_url,
            **({"OPENTELLER_KEYSTORE_URL": keystore_url} if keystore_url else {}),
            "OPENTELLER_MASTER_KEY_FILE": str(workdir / "master.key"),
            "COLUMNS": "200",
        }
        self.env.pop("OPENTELLER_MASTER_KEY", None)
        self.env.pop("OPENTELLER_CONFIG", None)

    def __call__(self, *args: str, **env: str) -> Result:
        done = subprocess.run(
            [sys.executable, "-m", "openteller.cli", *args],
            cwd=self.workdir,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def transactions(self, customer: str = "alice", *extra: str) -> list[dict[str, Any]]:
        result = self("transactions", "--customer", customer, "--json", *extra)
        assert result.code == 0, result.stderr
        rows: list[dict[str, Any]] = result.json()
        return rows


def _initialised(tmp_path: Path, database_url: str, keystore_url: str | None = None) -> Cli:
    runner = Cli(tmp_path, database_url, keystore_url)
    result = runner("init")
    assert result.code == 0, result.stderr
    assert "Database created" in result.stdout
    return runner


@pytest.fixture
def cli(tmp_path: Path, database_url: str, keystore_url: str | None) -> Cli:
    """On SQLite and on PostgreSQL: for what touches storage."""
    return _initialised(tmp_path, database_url, keystore_url)


@pytest.fixture
def sqlite_cli(tmp_path: Path) -> Cli:
    """On SQLite only: for option parsing and error rendering."""
    return _initialised(tmp_path, f"sqlite:///{tmp_path}/openteller.db")
