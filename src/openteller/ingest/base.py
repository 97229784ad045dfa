"""The one interface every format reader implements.

Staged parsing: bytes -> envelope (encoding, header) -> tree/tokens -> typed records
(:mod:`openteller.ingest.records`). Readers stream: they read from a binary stream and
yield records as they go, so memory stays bounded for files of millions of entries.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, Protocol, runtime_checkable

from openteller.domain.errors import IngestError
from openteller.ingest.records import Record

#: How many bytes of the start of a file are shown to :meth:`FormatReader.sniff`.
SNIFF_BYTES = 64 * 1024


@runtime_checkable
class FormatReader(Protocol):
    """A reader for one family of bank file formats."""

    #: Short name used by ``--format`` (``ofx``, ``camt``, ``mt940``, ``obie``, ``fdx``, ``csv``).
    name: str

    def sniff(self, head: bytes, filename: str) -> float:
        """Confidence in [0, 1] that a file starting with ``head`` is this format.

        ``head`` is at most :data:`SNIFF_BYTES` bytes; decide by content, using the file
        name only to break ties. Must never raise.
        """
        ...

    def read(self, stream: BinaryIO, source: str) -> Iterator[Record]:
        """Yield the records of the file in order.

        ``source`` names the file in problems and errors. Raise
        :class:`openteller.domain.errors.IngestError` (with file, line/element and field in
        the message) when the file as a whole cannot be read; yield
        :class:`openteller.ingest.records.Problem` for single bad entries.
        """
        ...


def file_error(source: str, line: int | None, message: str) -> IngestError:
    """The error for a file that cannot be read: ``stmt.ofx: line 12: <message>``."""
    where = f"line {line}: " if line else ""
    return IngestError(f"{source}: {where}{message}")
