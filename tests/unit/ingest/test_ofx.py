"""OFX reader on small hand-written statements: mapping rules and every failure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from openteller.domain.errors import IngestError
from openteller.ingest.base import FormatReader
from openteller.ingest.ofx import OfxReader
from openteller.ingest.records import Severity
from tests.samples import read_bytes_with

HEADER = (
    "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
    "CHARSET:{charset}\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
)


def sgml(*transactions: str, charset: str = "1252", tail: str = "") -> bytes:
    body = (
        "<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>\n"
        "<STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>12345<ACCTID>NL91ABNA0417164300"
        "<ACCTTYPE>SAVINGS</BANKACCTFROM>\n<BANKTRANLIST><DTSTART>20240101<DTEND>20240131\n"
        + "".join(transactions)
        + "</BANKTRANLIST><LEDGERBAL><BALAMT>1234,56<DTASOF>20240131120000[+1:CET]</LEDGERBAL>\n"
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n" + tail
    )
    return (HEADER.format(charset=charset) + body).encode(
        "cp1252" if charset == "1252" else "utf-8"
    )


def trn(
    amount: str = "-4.50", posted: str = "20240105", name: str = "CAFE", extra: str = ""
) -> str:
    return (
        f"<STMTTRN>\n<TRNTYPE>POS\n<DTPOSTED>{posted}\n<TRNAMT>{amount}\n<FITID>F{amount}{posted}"
        f"\n<NAME>{name}\n{extra}</STMTTRN>\n"
    )


def test_is_a_format_reader_and_sniffs_by_content() -> None:
    reader = OfxReader()
    assert isinstance(reader, FormatReader)
    assert reader.sniff(sgml(trn())[:300], "x.bin") > 0.9
    assert reader.sniff(b'<?xml version="1.0"?><?OFX OFXHEADER="200"?><OFX>', "x") > 0.9
    assert reader.sniff(b":20:STARTUMS\n:25:123\n", "x.ofx") < 0.2
    assert reader.sniff(b'{"Data": {}}', "x.json") == 0.0


def test_sgml_statement_mapping() -> None:
    parsed = read_bytes_with(
        OfxReader(),
        sgml(
            trn(),
            trn("12,00", "20240106120000.000[-5:EST]", "REFUND &amp; CO", "<MEMO>ORDER 7\n"),
            trn("-9.99", "20240107", "NETFLIX.COM", "<SIC>4899\n<DTAVAIL>20240108\n"),
        ),
    )
    (account,) = parsed.accounts
    assert (account.identifier, account.currency, account.display_name) == (
        "NL91ABNA0417164300",
        "EUR",
        "Savings",
    )
    first, second, third = parsed.transactions
    assert (first.amount, first.booking_date, first.transaction_type) == (
        Decimal("-4.50"),
        date(2024, 1, 5),
        "POS",
    )
    assert (second.amount, second.description) == (Decimal("12.00"), "REFUND & CO ORDER 7")
    assert second.booking_date == date(2024, 1, 6)
    assert (third.mcc, third.value_date) == ("4899", date(2024, 1, 8))
    (balance,) = parsed.balances
    assert balance.amount == Decimal("1234.56")
    assert balance.as_of == datetime(2024, 1, 31, 12, tzinfo=timezone(timedelta(hours=1)))


def test_xml_with_payee_and_foreign_currency() -> None:
    data = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<?OFX OFXHEADER="200" VERSION="211"?>\n'
        b"<OFX><CREDITCARDMSGSRSV1><CCSTMTTRNRS><CCSTMTRS><CURDEF>USD</CURDEF>"
        b"<CCACCTFROM><ACCTID>4111111111111111</ACCTID></CCACCTFROM><BANKTRANLIST>\n"
        b"<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20240301</DTPOSTED><TRNAMT>-20.00</TRNAMT>"
        b"<FITID>A1</FITID><NAME>HOTEL</NAME><PAYEE><NAME>Hotel Zur Post</NAME><CITY>Wien</CITY>"
        b"</PAYEE><CURRENCY><CURRATE>1.1</CURRATE><CURSYM>EUR</CURSYM></CURRENCY></STMTTRN>\n"
        b"</BANKTRANLIST><AVAILBAL><BALAMT>-20.00</BALAMT><DTASOF>20240302</DTASOF></AVAILBAL>"
        b"</CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>"
    )
    parsed = read_bytes_with(OfxReader(), data)
    (tx,) = parsed.transactions
    assert (tx.counterparty, tx.currency, tx.description) == ("Hotel Zur Post", "EUR", "HOTEL")
    assert parsed.accounts[0].account_type.value == "credit_card"
    assert parsed.balances[0].as_of == datetime(2024, 3, 2, tzinfo=UTC)


def test_a_bad_entry_is_a_problem_and_the_rest_is_read() -> None:
    parsed = read_bytes_with(OfxReader(), sgml(trn(), trn("abc"), trn(posted="20241340")), "s.ofx")
    assert len(parsed.transactions) == 1
    assert [p.describe() for p in parsed.problems] == [
        "s.ofx: line 21, element STMTTRN: TRNAMT: not an amount: 'abc'",
        "s.ofx: line 28, element STMTTRN: DTPOSTED: not an OFX date: '20241340'",
    ]
    assert all(p.severity is Severity.ERROR for p in parsed.problems)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            sgml(trn())[:-90],
            r"^t\.ofx: truncated: the file ends inside <LEDGERBAL> opened at line 21",
        ),
        (b"hello, this is not a statement\n" * 3, r"^t\.ofx: not an OFX file: no <OFX> element"),
        (b"\x00\x01\x02OFXHEADER" * 50, r"^t\.ofx: line 1: not an OFX file: it holds binary data"),
        (b"", r"^t\.ofx: the file is empty"),
        (
            b'<?xml version="1.0"?><!DOCTYPE OFX [<!ENTITY x "y">]><OFX></OFX>',
            r"^t\.ofx: line 1: DOCTYPE and entity declarations are not allowed",
        ),
        (
            sgml(trn(name="CAF\xc9"), charset="UTF-8").replace(b"CAF\xc3\x89", b"CAF\xc9"),
            r"^t\.ofx: line 1[0-9]: encoding: bytes b'\\xc9",
        ),
        (
            sgml(trn()).replace(b"</STMTRS>", b"</STMTTRNRS>", 1),
            r"^t\.ofx: line \d+: </STMTTRNRS> closes <STMTTRNRS> but <STMTRS> \(line 12\) is open",
        ),
        (
            sgml(trn()).replace(b"<ACCTID>NL91ABNA0417164300", b""),
            r"^t\.ofx: line \d+: element BANKACCTFROM: ACCTID: the account has no number",
        ),
    ],
)
def test_whole_file_failures_name_the_file_and_place(data: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        read_bytes_with(OfxReader(), data, "t.ofx")


def test_a_huge_value_is_refused_without_reading_it_all() -> None:
    data = sgml(trn(name="A" * (3 << 20)))
    with pytest.raises(IngestError, match=r"^t\.ofx: line \d+: a value longer than 1048576"):
        read_bytes_with(OfxReader(), data, "t.ofx")
