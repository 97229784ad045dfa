"""Where test sample files live, and how to read them through a reader.

Permissively licensed samples are copied into ``tests/fixtures/<format>/`` (see
``tests/fixtures/PROVENANCE.md``); GPL/AGPL-licensed ones are read from ``../shared/samples``
only. :func:`shared_sample` skips the test with a reason when ``../shared`` is absent,
except in CI (``CI=true``), where a missing file is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from openteller.ingest.base import FormatReader
from openteller.ingest.records import (
    ParsedAccount,
    ParsedBalance,
    ParsedTransaction,
    Problem,
    Record,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"
SHARED_SAMPLES = REPO_ROOT.parent / "shared" / "samples"


def fixture(relative: str) -> Path:
    """A file copied into tests/fixtures (always present)."""
    path = FIXTURES / relative
    assert path.exists(), f"missing fixture {path}"
    return path


def shared_sample(relative: str) -> Path:
    """A file under ../shared/samples; skip (or fail in CI) when it is not there."""
    path = SHARED_SAMPLES / relative
    if not path.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must have ../shared/samples/{relative} (GPL sample read in place)")
        pytest.skip(f"../shared/samples/{relative} is not available on this machine")
    return path


class Parsed:
    """Everything a reader yielded for one file, split by record type."""

    def __init__(self, records: list[Record]) -> None:
        self.records = records
        self.accounts = [r for r in records if isinstance(r, ParsedAccount)]
        self.balances = [r for r in records if isinstance(r, ParsedBalance)]
        self.transactions = [r for r in records if isinstance(r, ParsedTransaction)]
        self.problems = [r for r in records if isinstance(r, Problem)]


def read_with(reader: FormatReader, path: Path) -> Parsed:
    """Run ``reader`` over the file at ``path`` and collect what it yields."""
    with path.open("rb") as stream:
        return Parsed(list(reader.read(stream, path.name)))


def read_bytes_with(reader: FormatReader, data: bytes, name: str = "test-input") -> Parsed:
    """Run ``reader`` over in-memory bytes."""
    import io

    return Parsed(list(reader.read(io.BytesIO(data), name)))
