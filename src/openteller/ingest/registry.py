"""The known format readers, and detection of a file's format by its content."""

from __future__ import annotations

from pathlib import Path

from openteller.domain.errors import UnknownFormat
from openteller.ingest.base import SNIFF_BYTES, FormatReader
from openteller.ingest.csv_reader import CsvReader

FORMAT_NAMES = ("ofx", "camt", "mt940", "obie", "fdx", "csv")


def build_readers(csv_reader: CsvReader | None = None) -> dict[str, FormatReader]:
    """One reader per format name; ``csv_reader`` carries CSV presets/mappings."""
    from openteller.ingest.camt import CamtReader
    from openteller.ingest.fdx import FdxReader
    from openteller.ingest.mt940 import Mt940Reader
    from openteller.ingest.ofx import OfxReader
    from openteller.ingest.open_banking import OpenBankingReader

    return {
        "ofx": OfxReader(),
        "camt": CamtReader(),
        "mt940": Mt940Reader(),
        "obie": OpenBankingReader(),
        "fdx": FdxReader(),
        "csv": csv_reader or CsvReader(),
    }


def detect(head: bytes, filename: str, readers: dict[str, FormatReader]) -> FormatReader:
    """The reader most confident about ``head``; :class:`UnknownFormat` if none is."""
    scores = sorted(
        ((reader.sniff(head, filename), name) for name, reader in readers.items()),
        reverse=True,
    )
    best_score, best_name = scores[0]
    if best_score < 0.2:
        kinds = ", ".join(FORMAT_NAMES)
        raise UnknownFormat(
            f"{filename}: not a bank file format OpenTeller recognises ({kinds}); "
            "pass --format if you know it"
        )
    return readers[best_name]


def read_head(path: Path) -> bytes:
    """The first bytes of a file, as shown to ``sniff``."""
    with path.open("rb") as handle:
        return handle.read(SNIFF_BYTES)
