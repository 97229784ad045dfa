"""Hostile files against every reader: a 100 MB line and binary garbage.

Each must end in a clear :class:`IngestError` naming the file (never a hang, a crash or a
whole 100 MB value held as a record). The files are written to disk in chunks and read
as streams, the way the ingest service reads them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from openteller.domain.errors import IngestError
from openteller.ingest.records import ParsedTransaction
from openteller.ingest.registry import build_readers

MEGABYTE = 1024 * 1024
HUGE = 100 * MEGABYTE

#: (format, bytes before the huge value, bytes after it)
ENVELOPES = {
    "ofx": (
        b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
        b"CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX><BANKMSGSRSV1>"
        b"<STMTTRNRS><STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>1<ACCTID>12345678"
        b"<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST><STMTTRN><TRNTYPE>DEBIT"
        b"<DTPOSTED>20240105<TRNAMT>-1.00<FITID>1<NAME>",
        b"\n</STMTTRN></BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n",
    ),
    "camt": (
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        b"<BkToCstmrStmt><Stmt><AddtlStmtInf>",
        b"</AddtlStmtInf></Stmt></BkToCstmrStmt></Document>\n",
    ),
    "mt940": (
        b":20:STARTUMS\n:25:10020030/1234567\n:28C:0\n:60F:C240101EUR100,00\n"
        b":61:2401020102D1,00NTRFNONREF\n:86:",
        b"\n:62F:C240102EUR99,00\n-\n",
    ),
    "obie": (b'{"Data": {"Transaction": [{"AccountId": "', b'"}]}}'),
    "fdx": (b'{"transactions": [{"depositTransaction": {"accountId": "', b'"}}]}'),
    "csv": (b"Date,Description,Amount\n2024-01-01,", b",1.00\n"),
}


def write_huge(path: Path, head: bytes, tail: bytes) -> None:
    chunk = b"A" * MEGABYTE
    with path.open("wb") as out:
        out.write(head)
        for _ in range(HUGE // MEGABYTE):
            out.write(chunk)
        out.write(tail)


@pytest.mark.slow
@pytest.mark.parametrize("format_name", sorted(ENVELOPES))
def test_a_100_megabyte_line_is_refused_with_the_file_named(
    tmp_path: Path, format_name: str
) -> None:
    head, tail = ENVELOPES[format_name]
    path = tmp_path / f"huge.{format_name}"
    write_huge(path, head, tail)
    reader = build_readers()[format_name]
    with path.open("rb") as stream, pytest.raises(IngestError, match=r"^huge\." + format_name):
        for record in reader.read(stream, path.name):
            assert not isinstance(record, ParsedTransaction), "a 100 MB value was accepted"


@pytest.mark.parametrize("format_name", sorted(ENVELOPES))
def test_binary_garbage_is_refused_with_the_file_named(tmp_path: Path, format_name: str) -> None:
    path = tmp_path / f"garbage.{format_name}"
    path.write_bytes(bytes(range(256)) * 64)
    reader = build_readers()[format_name]
    with path.open("rb") as stream, pytest.raises(IngestError, match=r"^garbage\."):
        list(reader.read(stream, path.name))
