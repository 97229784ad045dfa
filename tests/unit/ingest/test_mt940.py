"""MT940/MT942 reader on small hand-written messages: each rule and each failure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from openteller.domain.errors import IngestError
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.base import FormatReader
from openteller.ingest.mt940 import Mt940Reader
from openteller.ingest.records import Severity
from tests.samples import read_bytes_with


def statement(*entries: str, closing: str = ":62F:C240131EUR100,00\n", head: str = "") -> bytes:
    return (
        head
        + ":20:STMT1\n:25:DE89370400440532013000\n:28C:1/1\n:60F:C231229EUR50,00\n"
        + "".join(entries)
        + closing
        + "-\n"
    ).encode("utf-8")


def test_is_a_format_reader_and_sniffs() -> None:
    reader = Mt940Reader()
    assert isinstance(reader, FormatReader)
    assert reader.sniff(statement(), "x.txt") > 0.9
    assert reader.sniff(b"{1:F01ABCDEFGHXXXX0000000000}{2:O9401200}{4:\n", "x") > 0.9
    assert reader.sniff(b"OFXHEADER:100\n<OFX>", "x.sta") == 0.0


def test_entry_fields_sign_and_dates() -> None:
    parsed = read_bytes_with(
        Mt940Reader(),
        statement(
            ":61:2312300102D12,50NMSCREF123//BANK-9\n:86:COFFEE SHOP\n",
            ":61:240105C100,NTRFNONREF\n:86:SALARY\nJANUARY\n",
            ":61:240106RC7,00NMSCNONREF//B-2\n",
            ":61:240107RD3,NMSCNONREF\n",
        ),
    )
    (account,) = parsed.accounts
    assert (account.identifier, account.currency) == ("DE89370400440532013000", "EUR")
    first, second, third, fourth = parsed.transactions
    # Value date 30 Dec 2023, booked on 2 January: the entry date rolls into 2024.
    assert (first.value_date, first.booking_date) == (date(2023, 12, 30), date(2024, 1, 2))
    assert (first.amount, first.bank_id, first.reference) == (Decimal("-12.50"), "BANK-9", "REF123")
    assert first.description == "COFFEE SHOP"
    assert (second.amount, second.bank_id, second.description) == (
        Decimal("100"),
        "",
        "SALARY JANUARY",
    )
    assert third.amount == Decimal("-7.00")  # reversal of a credit: money out
    assert fourth.amount == Decimal("3")  # reversal of a debit: money in
    (closing,) = parsed.balances
    assert (closing.amount, closing.as_of) == (Decimal("100.00"), date(2024, 1, 31))


def test_mt942_entries_are_pending() -> None:
    data = (
        b"{1:F01BANKDEFFXXXX0000000000}{2:O942BANKDEFFXXXXN}{4:\n:20:INTRA\n"
        b":25:DE89370400440532013000\n:28C:1/1\n:34F:EUR0,\n:13D:2401311200+0100\n"
        b":61:240131D9,99NMSCNONREF\n:86:NETFLIX\n-}\n"
    )
    parsed = read_bytes_with(Mt940Reader(), data)
    (tx,) = parsed.transactions
    assert tx.status is TransactionStatus.PENDING
    assert not parsed.problems


def test_a_bad_statement_line_is_a_problem_naming_the_line() -> None:
    parsed = read_bytes_with(
        Mt940Reader(), statement(":61:240105X12,50NMSC\n", ":61:240105D1,00NMSC\n"), "s.sta"
    )
    assert len(parsed.transactions) == 1
    (problem,) = parsed.problems
    assert problem.describe() == (
        "s.sta: line 5, element :61:: :61:: not a statement line: '240105X12,50NMSC'"
    )


def test_a_statement_cut_short_is_an_error() -> None:
    cut = statement(":61:240105D1,00NMSC\n:86:X\n").split(b":62F:")[0]
    parsed = read_bytes_with(Mt940Reader(), cut, "cut.sta")
    (problem,) = parsed.problems
    assert problem.severity is Severity.ERROR
    assert "looks truncated" in problem.message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", r"^m\.sta: the file is empty"),
        (b"\x00\x01\x02:20:" * 100, r"^m\.sta: line 1: not an MT940 file: it holds binary data"),
        (b"Dear customer,\nyour statement.\n", r"^m\.sta: not an MT940 file: no :20: statement"),
        (b":61:240105D1,00NMSC\n", r"^m\.sta: line 1: :61: before any :20: statement header"),
        (
            b":20:X\n:61:240105D1,00NMSC\n:62F:C240105EUR1,00\n",
            r"^m\.sta: line 2: an entry before the :25: account identification",
        ),
        (
            b":20:X\n:25:123\n:60F:C240105EUR1,00\n:86:" + b"A" * (2 << 20) + b"\n",
            r"^m\.sta: line 4: a line longer than 1048576 characters",
        ),
        (
            b":20:X\n:25:123\n:60F:CXX0105EUR1,00\n",
            r"^m\.sta: line 3: field :60F: not an opening balance",
        ),
    ],
)
def test_whole_file_failures(data: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        read_bytes_with(Mt940Reader(), data, "m.sta")


def test_preamble_and_windows_1252_text() -> None:
    data = statement(":61:240105D5,00NMSC\n:86:B\xc4CKEREI\n", head="ABNANL2A\n940\n")
    parsed = read_bytes_with(Mt940Reader(), data.replace(b"\xc3\x84", b"\xc4"))
    assert parsed.transactions[0].description == "BÄCKEREI"
