"""Hand-written readers for ingest tests, in a module of their own so that the ingest's
second process (``services/ingest_pipeline.py``) can import them: it receives its reader
pickled, by reference to its class."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import BinaryIO

from openteller.domain.errors import IngestError
from openteller.ingest.records import Record


class ScriptedReader:
    """Yields the records given to it, then optionally fails as a reader does."""

    name = "scripted"

    def __init__(self, records: list[Record], fail_with: str | None = None) -> None:
        self.records = records
        self.fail_with = fail_with

    def sniff(self, head: bytes, filename: str) -> float:
        return 1.0

    def read(self, stream: BinaryIO, source: str) -> Iterator[Record]:
        yield from self.records
        if self.fail_with:
            raise IngestError(f"{source}: {self.fail_with}")


class DyingReader(ScriptedReader):
    """Yields its records, then its process exits at once (as if killed), but never in
    the process that made it (that would end the test run)."""

    def __init__(self, records: list[Record]) -> None:
        super().__init__(records)
        self.maker = os.getpid()

    def read(self, stream: BinaryIO, source: str) -> Iterator[Record]:
        yield from self.records
        if os.getpid() == self.maker:
            raise AssertionError("DyingReader ran in the test's own process")
        os._exit(3)


class BuggyReader(ScriptedReader):
    """Yields its records, then fails with an error no reader should raise (a bug)."""

    def read(self, stream: BinaryIO, source: str) -> Iterator[Record]:
        yield from self.records
        raise KeyError("column 'Betrag'")


class UnpicklableError(IngestError):
    """An ingest error that holds something that cannot cross to another process."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.handle = lambda: None


class UnpicklableErrorReader(ScriptedReader):
    """Fails with an :class:`UnpicklableError` after its records."""

    def read(self, stream: BinaryIO, source: str) -> Iterator[Record]:
        yield from self.records
        raise UnpicklableError(f"{source}: line 12: the statement ends mid-entry")
