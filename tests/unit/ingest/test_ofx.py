"""OFX reader on small hand-written statements: mapping rules and every failure."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from openteller.domain.accounts import AccountType, BalanceKind
from openteller.domain.errors import IngestError
from openteller.ingest import ofx
from openteller.ingest.base import FormatReader
from openteller.ingest.ofx import OfxReader
from openteller.ingest.records import ParsedAccount, ParsedTransaction, Problem, Severity
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
            r"^t\.ofx: line 21: truncated: the file ends inside <LEDGERBAL> opened at line 21",
        ),
        (b"hello, this is not a statement\n" * 3, r"^t\.ofx: not an OFX file: no <OFX> element"),
        (
            sgml(trn())[:-150],
            r"^t\.ofx: line 18: truncated: the file ends inside <STMTTRN> opened at line 14",
        ),
        (
            sgml(trn()).split(b"</BANKTRANLIST>")[0],
            r"^t\.ofx: line 20: truncated: the file ends inside <BANKTRANLIST> opened at line 13",
        ),
        (
            sgml(trn()).split(b"NL91")[0] + b"NL91</BANK",
            r"^t\.ofx: line 12: truncated: the file ends inside <BANKACCTFROM> opened at line 12",
        ),
        (
            sgml(trn(name="CAF\u20ac"), charset="UTF-8").split(b"\xe2\x82")[0] + b"\xe2\x82",
            r"^t\.ofx: line 19: truncated: the file ends inside a character",
        ),
        (
            sgml(trn(), trn("-1.00").replace("</STMTTRN>", ""), trn("-2.00")),
            r"^t\.ofx: line 35: </BANKTRANLIST> closes <BANKTRANLIST> but <STMTTRN> \(line 21\)",
        ),
        (
            b"<OFX>" + b"<A>" * 1000,
            r"^t\.ofx: line 1: element A: aggregates nested more than 256 levels deep",
        ),
        (
            b"<OFX>" + b"".join(b"<X%d>1" % i for i in range(2000)) + b"</OFX>",
            r"^t\.ofx: line 1: element OFX: more than 1024 different elements in one aggregate",
        ),
        (b"A" * (3 << 20), r"^t\.ofx: not an OFX file: no <OFX> element found"),
        (b"<OFX>" + b"A" * (3 << 20), r"^t\.ofx: line 1: a value longer than 1048576"),
        (
            sgml(trn()).replace(b"<CURDEF>EUR", b"<CURDEF>EUR\n<<<>"),
            r"^t\.ofx: line 13: malformed OFX near '<<<>'",
        ),
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


def xml(statement: str, encoding: str = "UTF-8", signon: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<?OFX OFXHEADER="200" VERSION="211" SECURITY="NONE"?>\n'
        f"<OFX>{signon}<BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID>{statement}"
        "</STMTTRNRS></BANKMSGSRSV1></OFX>\n"
    ).encode("utf-8" if encoding == "UTF-8" else "cp1252")


def stmtrs(transactions: str, accttype: str = "CHECKING", balances: str = "") -> str:
    return (
        "<STMTRS><CURDEF>USD</CURDEF><BANKACCTFROM><BANKID>1</BANKID><ACCTID>99887766</ACCTID>"
        f"<ACCTTYPE>{accttype}</ACCTTYPE></BANKACCTFROM><BANKTRANLIST>{transactions}"
        f"</BANKTRANLIST>{balances}</STMTRS>"
    )


def xtrn(inner: str, posted: str = "20240315") -> str:
    return (
        f"<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>{posted}</DTPOSTED>"
        f"<TRNAMT>-1.00</TRNAMT><FITID>X1</FITID>{inner}</STMTTRN>"
    )


@pytest.mark.parametrize(
    ("accttype", "account_type", "label"),
    [
        ("CHECKING", AccountType.CHECKING, "Checking"),
        ("SAVINGS", AccountType.SAVINGS, "Savings"),
        ("MONEYMRKT", AccountType.SAVINGS, "Money market"),
        ("CREDITLINE", AccountType.LOAN, "Credit line"),
        ("WEIRD", AccountType.OTHER, "Weird"),
    ],
)
def test_bank_account_types(accttype: str, account_type: AccountType, label: str) -> None:
    (account,) = read_bytes_with(OfxReader(), xml(stmtrs("", accttype))).accounts
    assert (account.key, account.account_type, account.display_name) == (
        "99887766",
        account_type,
        label,
    )


@pytest.mark.parametrize(
    ("posted", "booking", "as_of"),
    [
        ("20240315", date(2024, 3, 15), datetime(2024, 3, 15, tzinfo=UTC)),
        (
            "20240315120000[0:GMT]",
            date(2024, 3, 15),
            datetime(2024, 3, 15, 12, tzinfo=UTC),
        ),
        (
            "20240315233000.000[-5:EST]",
            date(2024, 3, 15),  # the day as the bank wrote it, not shifted to UTC
            datetime(2024, 3, 15, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
        ),
        (
            "20240315013000[+5.5:IST]",
            date(2024, 3, 15),
            datetime(2024, 3, 15, 1, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
        ("202403151200", date(2024, 3, 15), datetime(2024, 3, 15, 12, tzinfo=UTC)),
    ],
)
def test_dates_with_time_zones(posted: str, booking: date, as_of: datetime) -> None:
    balance = f"<LEDGERBAL><BALAMT>+10.5</BALAMT><DTASOF>{posted}</DTASOF></LEDGERBAL>"
    parsed = read_bytes_with(OfxReader(), xml(stmtrs(xtrn("", posted), balances=balance)))
    assert parsed.transactions[0].booking_date == booking
    (ledger,) = parsed.balances
    assert (ledger.kind, ledger.amount, ledger.as_of) == (
        BalanceKind.BOOKED,
        Decimal("10.5"),
        as_of,
    )


def test_sign_is_kept_as_given() -> None:
    data = sgml(trn("+12.34"), trn("-0.01"), trn("5"), trn(".50"), trn("-1,25"))
    amounts = [t.amount for t in read_bytes_with(OfxReader(), data).transactions]
    assert amounts == [
        Decimal("12.34"),
        Decimal("-0.01"),
        Decimal("5"),
        Decimal("0.50"),
        Decimal("-1.25"),
    ]


def test_references_mcc_and_original_currency() -> None:
    data = xml(
        stmtrs(
            xtrn("<NAME>SHOP</NAME><CHECKNUM>1001</CHECKNUM><SIC>5411</SIC>")
            + xtrn("<REFNUM>R-7</REFNUM><CHECKNUM>1002</CHECKNUM><SIC>541</SIC>")
            # ORIGCURRENCY: TRNAMT was already converted into CURDEF (OFX 2.1.1 section 5.2).
            + xtrn("<ORIGCURRENCY><CURRATE>1.08</CURRATE><CURSYM>EUR</CURSYM></ORIGCURRENCY>")
        )
    )
    first, second, third = read_bytes_with(OfxReader(), data).transactions
    assert (first.reference, first.mcc, first.description) == ("1001", "5411", "SHOP")
    assert (second.reference, second.mcc) == ("R-7", "")
    assert (third.currency, third.counterparty) == ("USD", "")


def test_memo_repeating_name_is_not_doubled() -> None:
    data = sgml(
        trn(name="AMAZON", extra="<MEMO>amazon\n"),
        trn(name="DIVIDEND EARNED FOR", extra="<MEMO>DIVIDEND EARNED FOR PERIOD 03/2011\n"),
        trn(name="", extra="<MEMO>ONLY MEMO\n"),
    )
    descriptions = [t.description for t in read_bytes_with(OfxReader(), data).transactions]
    assert descriptions == ["AMAZON", "DIVIDEND EARNED FOR PERIOD 03/2011", "ONLY MEMO"]


def test_xml_entities_cdata_comments_and_lower_case_tags() -> None:
    data = xml(
        stmtrs(
            xtrn("<NAME><![CDATA[A <B> & C]]></NAME><!-- a comment <NAME>X</NAME> -->")
            + xtrn("<NAME>M&amp;S &lt;LTD&gt; &#233;</NAME>").lower()
        )
    )
    first, second = read_bytes_with(OfxReader(), data).transactions
    assert first.description == "A <B> & C"
    assert (second.description, second.transaction_type) == ("m&s <ltd> é", "DEBIT")
    lower = xml(stmtrs(xtrn("<NAME>Shop</NAME>") + xtrn(""))).lower()
    assert [t.bank_id for t in read_bytes_with(OfxReader(), lower).transactions] == ["x1", "x1"]


def test_charset_8859_1_and_windows_1252_xml() -> None:
    latin = sgml(trn(name="CRÊPERIE"), charset="8859-1").replace(
        "CRÊPERIE".encode(), "CRÊPERIE".encode("latin-1")
    )
    assert read_bytes_with(OfxReader(), latin).transactions[0].description == "CRÊPERIE"
    cp1252 = xml(stmtrs(xtrn("<NAME>5€ café</NAME>")), encoding="windows-1252")
    assert b"5\x80 caf\xe9" in cp1252
    assert read_bytes_with(OfxReader(), cp1252).transactions[0].description == "5€ café"


def test_charset_none_falls_back_from_utf8_to_windows_1252() -> None:
    as_utf8 = sgml(trn(name="CAFÉ"), charset="NONE")
    as_cp1252 = as_utf8.replace("CAFÉ".encode(), "CAFÉ".encode("cp1252"))
    for data in (as_utf8, as_cp1252):
        assert read_bytes_with(OfxReader(), data).transactions[0].description == "CAFÉ"


def test_utf8_text_mislabelled_as_1252_is_read_as_utf8() -> None:
    data = sgml(trn(name="CAFÉ"), charset="1252").replace("CAFÉ".encode("cp1252"), "CAFÉ".encode())
    assert read_bytes_with(OfxReader(), data).transactions[0].description == "CAFÉ"


def test_bad_balance_and_value_date_are_problems() -> None:
    balance = "<AVAILBAL><BALAMT>n/a</BALAMT><DTASOF>20240101</DTASOF></AVAILBAL>"
    data = xml(stmtrs(xtrn("<DTAVAIL>2024-03-15</DTAVAIL>") + xtrn(""), balances=balance))
    parsed = read_bytes_with(OfxReader(), data, "x.ofx")
    assert len(parsed.transactions) == 1
    assert [p.describe() for p in parsed.problems] == [
        "x.ofx: line 3, element STMTTRN: DTAVAIL: not an OFX date: '2024-03-15'",
        "x.ofx: line 3, element AVAILBAL: BALAMT: not an amount: 'n/a'",
    ]


def test_empty_or_missing_dtposted_is_a_problem() -> None:
    data = sgml(trn(posted=""), trn().replace("<DTPOSTED>20240105\n", ""), trn())
    parsed = read_bytes_with(OfxReader(), data, "s.ofx")
    assert len(parsed.transactions) == 1
    assert [(p.position.element, p.field, p.message) for p in parsed.problems] == [
        ("STMTTRN", "DTPOSTED", "missing"),
        ("STMTTRN", "DTPOSTED", "missing"),
    ]


def test_investment_statement_and_signon_only_are_warnings() -> None:
    investment = (
        b"<OFX><INVSTMTMSGSRSV1><INVSTMTTRNRS><INVSTMTRS><CURDEF>USD</CURDEF>"
        b"<INVACCTFROM><BROKERID>b</BROKERID><ACCTID>1</ACCTID></INVACCTFROM><INVTRANLIST>"
        b"<INVBANKTRAN><STMTTRN><TRNAMT>1</TRNAMT></STMTTRN></INVBANKTRAN></INVTRANLIST>"
        b"</INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1></OFX>"
    )
    parsed = read_bytes_with(OfxReader(), investment, "i.ofx")
    (problem,) = parsed.records
    assert isinstance(problem, Problem) and problem.severity is Severity.WARNING
    assert problem.describe() == (
        "i.ofx: line 1, element INVSTMTRS: investment statement skipped: OpenTeller reads "
        "bank and credit-card statements"
    )
    signon = b"<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS></SONRS>"
    (problem,) = read_bytes_with(OfxReader(), signon + b"</SIGNONMSGSRSV1></OFX>").records
    assert isinstance(problem, Problem) and problem.severity is Severity.WARNING
    assert "sign-on response only" in problem.message


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (
            "<SONRS><STATUS><CODE>15500<SEVERITY>ERROR<MESSAGE>Signon invalid</STATUS></SONRS>",
            r"^e\.ofx: line 1: element STATUS in SONRS: sign-on failed \(code 15500: Signon "
            r"invalid\); the file holds no statement$",
        ),
        (
            "<SONRS><STATUS><CODE>2000<SEVERITY>ERROR</STATUS></SONRS>",
            r"^e\.ofx: line 1: element STATUS in SONRS: sign-on failed \(code 2000: no message\)",
        ),
    ],
)
def test_an_error_status_fails_the_file_with_code_and_message(status: str, message: str) -> None:
    data = f"<OFX><SIGNONMSGSRSV1>{status}</SIGNONMSGSRSV1></OFX>".encode()
    with pytest.raises(IngestError, match=message):
        read_bytes_with(OfxReader(), data, "e.ofx")


def test_same_account_number_in_two_currencies_gets_two_keys() -> None:
    usd = stmtrs(xtrn(""))
    eur = usd.replace("<CURDEF>USD", "<CURDEF>EUR")
    parsed = read_bytes_with(OfxReader(), xml(usd + "</STMTTRNRS><STMTTRNRS>" + eur))
    assert [(a.key, a.currency) for a in parsed.accounts] == [
        ("99887766", "USD"),
        ("99887766 EUR", "EUR"),
    ]
    assert [t.account_key for t in parsed.transactions] == ["99887766", "99887766 EUR"]


def test_sniff_never_raises_and_ignores_other_formats() -> None:
    reader = OfxReader()
    assert reader.sniff(b"", "x.ofx") == 0.0
    assert reader.sniff(bytes(range(256)), "x.ofx") == 0.0
    assert reader.sniff(b"\r\n<OFX>\r\n<SIGNONMSGSRSV1>", "x") > 0.9
    assert reader.sniff(b'<?xml version="1.0"?><Document xmlns="camt.053">', "x.xml") == 0.0


def test_reads_a_large_file_as_a_stream() -> None:
    many = "".join(trn(f"-{i}.00", name=f"SHOP {i}") for i in range(1, 5001))
    records = OfxReader().read(io.BytesIO(sgml(many)), "big.ofx")
    first = next(records)
    assert isinstance(first, ParsedAccount)
    rest = list(records)
    assert sum(isinstance(r, ParsedTransaction) for r in rest) == 5000
    assert rest[4999].amount == Decimal("-5000.00")  # type: ignore[union-attr]


def test_entries_before_the_account_and_curdef_wait_for_them() -> None:
    data = sgml(trn(), trn("-2.00")).replace(b"<CURDEF>EUR", b"")
    data = data.replace(b"</STMTRS>", b"<CURDEF>GBP</STMTRS>")
    parsed = read_bytes_with(OfxReader(), data)
    kinds = [type(r).__name__ for r in parsed.records]
    assert kinds == ["ParsedAccount", "ParsedTransaction", "ParsedTransaction", "ParsedBalance"]
    assert {t.currency for t in parsed.transactions} == {"GBP"}
    assert parsed.balances[0].currency == "GBP"


def test_waiting_for_a_missing_account_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ofx, "MAX_WAITING", 2)
    data = sgml(trn(), trn("-2.00"), trn("-3.00")).replace(b"<CURDEF>EUR", b"")
    with pytest.raises(IngestError, match=r"^t\.ofx: line \d+: element STMTRS: CURDEF not given"):
        read_bytes_with(OfxReader(), data, "t.ofx")


@pytest.mark.parametrize("chunk", [5, 64, 1000])
def test_chunk_boundaries_do_not_change_what_is_read(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    data = sgml(
        trn(),
        "<!-- a comment\n with <TAGS> inside -->\n",
        trn("12.00", name="<![CDATA[A & B <C>]]>"),
        trn("-1.00", extra="<PAYEE><NAME>Shop Ltd</PAYEE>\n"),
        trn("-9.99", "20240107120000[-5:EST]", "NETFLIX", "<MEMO>STREAMING\n<SIC>4899\n"),
    )
    expected = read_bytes_with(OfxReader(), data).records
    monkeypatch.setattr(ofx, "CHUNK", chunk)
    assert read_bytes_with(OfxReader(), data).records == expected
    lines = [t.position.line for t in expected if isinstance(t, ParsedTransaction)]
    assert lines == [14, 23, 30, 38]
    descriptions = [t.description for t in expected if isinstance(t, ParsedTransaction)]
    assert descriptions == ["CAFE", "A & B <C>", "CAFE", "NETFLIX STREAMING"]


def test_flat_and_nested_transactions_read_alike() -> None:
    flat, nested = read_bytes_with(
        OfxReader(),
        sgml(trn(extra="<MEMO>TABLE 4\n"), trn(extra="<MEMO>TABLE 4\n<PAYEE><NAME>Cafe</PAYEE>\n")),
    ).transactions
    assert nested.counterparty == "Cafe" and flat.counterparty == ""
    nested.counterparty = ""
    nested.position = flat.position
    assert nested == flat
