"""camt reader on small hand-written documents: mapping rules, bad entries, hostile input."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from openteller.domain.accounts import AccountType, BalanceKind
from openteller.domain.errors import IngestError
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.base import FormatReader
from openteller.ingest.camt import CamtReader
from openteller.ingest.records import ParsedAccount, ParsedTransaction, Severity
from tests.samples import read_bytes_with

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.11"


def bal(code: str, amount: str = "100.00", ind: str = "CRDT", day: str = "2024-03-31") -> str:
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy='EUR'>{amount}</Amt>"
        f"<CdtDbtInd>{ind}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"
    )


def ntry(amount: str = "10.00", ind: str = "DBIT", extra: str = "", sts: str = "BOOK") -> str:
    amt = f"<Amt Ccy='EUR'>{amount}</Amt>" if amount else ""
    return (
        f"<Ntry>{amt}<CdtDbtInd>{ind}</CdtDbtInd><Sts>{sts}</Sts>"
        f"<BookgDt><Dt>2024-03-30</Dt></BookgDt>{extra}</Ntry>\n"
    )


def doc(
    *body: str, acct: str = "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>"
) -> bytes:
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>1</MsgId><CreDtTm>2024-03-31T18:00:00+01:00</CreDtTm></GrpHdr>\n"
        f"<Stmt><Id>S1</Id>{acct}\n{''.join(body)}</Stmt></BkToCstmrStmt></Document>\n"
    )
    return text.encode("utf-8")


def test_is_a_format_reader() -> None:
    assert isinstance(CamtReader(), FormatReader)
    assert CamtReader.name == "camt"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (doc(ntry())[:200], 0.95),
        (b"<?xml version='1.0'?><x:Document xmlns:x='urn:bank'><x:BkToCstmrDbtCdtNtfctn>", 0.9),
        (b"OFXHEADER:100\nDATA:OFXSGML\n<OFX>", 0.0),
        (b"<?xml version='1.0'?><Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001'>", 0.0),
        (b"\xff\xfe" + f"<Document xmlns='{NS}'>".encode("utf-16-le"), 0.95),
        (b"", 0.0),
    ],
)
def test_sniff(head: bytes, expected: float) -> None:
    assert CamtReader().sniff(head, "statement.xml") == expected


def test_account_and_entry_mapping() -> None:
    acct = (
        "<Acct><Id><Othr><Id>12345678</Id></Othr></Id><Tp><Cd>SVGS</Cd></Tp><Ccy>EUR</Ccy>"
        "<Nm>Rainy day</Nm><Svcr><FinInstnId><BICFI>COBADEFFXXX</BICFI></FinInstnId></Svcr></Acct>"
    )
    extra = (
        "<ValDt><DtTm>2024-03-31T10:00:00+02:00</DtTm></ValDt><AcctSvcrRef>REF-1</AcctSvcrRef>"
        "<BkTxCd><Prtry><Cd>NDDT+105</Cd></Prtry></BkTxCd><NtryDtls><TxDtls>"
        "<Refs><EndToEndId>E2E-9</EndToEndId></Refs><RltdPties><Dbtr><Pty><Nm>Me</Nm></Pty></Dbtr>"
        "<Cdtr><Pty><Nm>Stadtwerke</Nm></Pty></Cdtr></RltdPties>"
        "<RmtInf><Ustrd>Strom</Ustrd><Ustrd>März</Ustrd></RmtInf></TxDtls></NtryDtls>"
        "<AddtlNtryInf>Lastschrift</AddtlNtryInf>"
    )
    parsed = read_bytes_with(CamtReader(), doc(ntry("61.5", "DBIT", extra), acct=acct))
    assert parsed.problems == []
    (account,) = parsed.accounts
    assert account == ParsedAccount(
        key="12345678",
        identifier="12345678",
        account_type=AccountType.SAVINGS,
        currency="EUR",
        display_name="Rainy day",
        institution="COBADEFFXXX",
        position=account.position,
    )
    (tx,) = parsed.transactions
    assert tx.amount == Decimal("-61.5")
    assert (tx.booking_date, tx.value_date) == (date(2024, 3, 30), date(2024, 3, 31))
    assert (tx.bank_id, tx.reference, tx.counterparty) == ("REF-1", "E2E-9", "Stadtwerke")
    assert tx.description == "Strom März / Lastschrift"
    assert tx.transaction_type == "NDDT+105"
    assert tx.position.element == "Stmt[1]/Ntry[1]"
    assert parsed.records.index(account) < parsed.records.index(tx)


def test_balances_prefer_closing_over_interim_and_ignore_opening() -> None:
    body = bal("OPBD", "1.00") + bal("ITBD", "2.00") + bal("CLBD", "3.00", "DBIT") + bal("ITAV")
    parsed = read_bytes_with(CamtReader(), doc(body, ntry()))
    assert [(b.kind, b.amount) for b in parsed.balances] == [
        (BalanceKind.BOOKED, Decimal("-3.00")),
        (BalanceKind.AVAILABLE, Decimal("100.00")),
    ]
    assert parsed.balances[0].as_of == date(2024, 3, 31)
    assert parsed.balances[0].position.element == "Stmt[1]/Bal[3]"


def test_interim_booked_balance_when_no_closing_and_datetime_as_of() -> None:
    body = bal("ITBD", "2.00").replace("<Dt>2024-03-31</Dt>", "<DtTm>2024-03-31T12:00:00Z</DtTm>")
    parsed = read_bytes_with(CamtReader(), doc(body))
    (balance,) = parsed.balances
    assert balance.kind is BalanceKind.BOOKED
    assert balance.as_of == datetime(2024, 3, 31, 12, tzinfo=UTC)
    assert parsed.transactions == []


@pytest.mark.parametrize(
    ("sts", "status"),
    [
        ("BOOK", TransactionStatus.BOOKED),
        ("PDNG", TransactionStatus.PENDING),
        ("INFO", TransactionStatus.PENDING),
        ("<Cd>PDNG</Cd>", TransactionStatus.PENDING),
        ("<Cd>BOOK</Cd>", TransactionStatus.BOOKED),
    ],
)
def test_status(sts: str, status: TransactionStatus) -> None:
    (tx,) = read_bytes_with(CamtReader(), doc(ntry(sts=sts))).transactions
    assert tx.status is status


def test_unknown_status_is_a_warning() -> None:
    parsed = read_bytes_with(CamtReader(), doc(ntry(sts="WHAT")))
    assert parsed.transactions[0].status is TransactionStatus.BOOKED
    (problem,) = parsed.problems
    assert (problem.severity, problem.field) == (Severity.WARNING, "Sts")


def test_bad_entries_become_problems_naming_index_and_field() -> None:
    body = ntry("1.00") + ntry("") + ntry("2.00", ind="DEBIT") + ntry("$3") + ntry("4.00", "CRDT")
    parsed = read_bytes_with(CamtReader(), doc(body), "bad.xml")
    assert [t.amount for t in parsed.transactions] == [Decimal("-1.00"), Decimal("4.00")]
    described = [p.describe() for p in parsed.problems]
    assert described == [
        "bad.xml: line 5, element Stmt[1]/Ntry[2]: Amt: missing amount",
        "bad.xml: line 6, element Stmt[1]/Ntry[3]: CdtDbtInd: expected CRDT or DBIT, got 'DEBIT'",
        "bad.xml: line 7, element Stmt[1]/Ntry[4]: Amt: not an amount: '$3'",
    ]


def test_bad_booking_date_is_a_problem() -> None:
    body = ntry().replace("2024-03-30", "2024-13-45")
    (problem,) = read_bytes_with(CamtReader(), doc(body)).problems
    assert problem.field == "BookgDt"


def test_missing_booking_date_falls_back_to_value_date_then_statement_creation() -> None:
    no_date = ntry().replace("<BookgDt><Dt>2024-03-30</Dt></BookgDt>", "")
    with_val = no_date.replace("</Ntry>", "<ValDt><Dt>2024-03-29</Dt></ValDt></Ntry>")
    parsed = read_bytes_with(CamtReader(), doc(with_val, no_date))
    assert [t.booking_date for t in parsed.transactions] == [date(2024, 3, 29), date(2024, 3, 31)]


REVERSAL = (
    "<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Original Payer</Nm></Dbtr></RltdPties>"
    "</TxDtls></NtryDtls>"
)


def test_reversal_keeps_the_booked_direction_by_default() -> None:
    body = ntry("7.00", "DBIT", REVERSAL).replace("<Sts>", "<RvslInd>true</RvslInd><Sts>")
    (tx,) = read_bytes_with(CamtReader(), doc(body)).transactions
    assert tx.amount == Decimal("-7.00")
    assert tx.transaction_type == "reversal"
    assert tx.counterparty == "Original Payer"  # parties of the original credit
    (flipped,) = read_bytes_with(CamtReader(reversal_flips_sign=True), doc(body)).transactions
    assert flipped.amount == Decimal("7.00")


def _details(*amounts: str) -> str:
    parts = "".join(
        f"<TxDtls><Refs><EndToEndId>E{i}</EndToEndId></Refs><Amt Ccy='EUR'>{a}</Amt>"
        f"<RltdPties><Cdtr><Nm>Payee {i}</Nm></Cdtr></RltdPties></TxDtls>"
        for i, a in enumerate(amounts, 1)
    )
    return f"<AcctSvcrRef>B-1</AcctSvcrRef><NtryDtls>{parts}</NtryDtls>"


def test_batch_split_when_details_sum_to_the_entry() -> None:
    parsed = read_bytes_with(CamtReader(), doc(ntry("30.00", "DBIT", _details("10.00", "20.00"))))
    assert [(t.amount, t.bank_id, t.reference, t.counterparty) for t in parsed.transactions] == [
        (Decimal("-10.00"), "B-1/1", "E1", "Payee 1"),
        (Decimal("-20.00"), "B-1/2", "E2", "Payee 2"),
    ]
    assert parsed.transactions[1].position.element == "Stmt[1]/Ntry[1]/NtryDtls/TxDtls[2]"


def test_batch_stays_one_entry_when_details_do_not_sum() -> None:
    parsed = read_bytes_with(CamtReader(), doc(ntry("31.00", "DBIT", _details("10.00", "20.00"))))
    (tx,) = parsed.transactions
    assert (tx.amount, tx.bank_id, tx.reference, tx.counterparty) == (
        Decimal("-31.00"),
        "B-1",
        "E1",
        "Payee 1",
    )


def test_currency_falls_back_to_balance_then_entry() -> None:
    parsed = read_bytes_with(CamtReader(), doc(ntry().replace("EUR", "CHF")))
    assert parsed.accounts[0].currency == "CHF"


def test_two_statements_same_account_one_parsed_account() -> None:
    acct = b"<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>"
    second = b"<Stmt><Id>S2</Id>" + acct + ntry("5.00", "CRDT").encode() + b"</Stmt>"
    data = doc(ntry()).replace(b"</Stmt>", b"</Stmt>" + second)
    parsed = read_bytes_with(CamtReader(), data)
    assert len(parsed.accounts) == 1
    assert [t.position.element for t in parsed.transactions] == [
        "Stmt[1]/Ntry[1]",
        "Stmt[2]/Ntry[1]",
    ]


def test_missing_account_id_is_an_ingest_error() -> None:
    with pytest.raises(IngestError, match=r"^x\.xml: line 3, element Stmt\[1\]/Acct: Id: no acc"):
        read_bytes_with(CamtReader(), doc(ntry(), acct="<Acct><Ccy>EUR</Ccy></Acct>"), "x.xml")


def test_no_statement_and_not_camt() -> None:
    empty = doc().replace(b"<Stmt>", b"<!-- none -->").replace(b"</Stmt>", b"")
    empty = empty.split(b"<Id>S1</Id>")[0] + b"</BkToCstmrStmt></Document>"
    with pytest.raises(IngestError, match=r"^e\.xml: line 2, element BkToCstmrStmt: no statement"):
        read_bytes_with(CamtReader(), empty, "e.xml")
    with pytest.raises(IngestError, match=r"^p\.xml: element Document: not an ISO 20022 camt"):
        read_bytes_with(CamtReader(), b"<Document><CstmrCdtTrfInitn/></Document>", "p.xml")


def test_truncated_file_names_file_and_line() -> None:
    data = doc(ntry(), ntry(), ntry())  # entries on lines 4, 5 and 6
    cut = data[: data.rindex(b"<CdtDbtInd>")]
    with pytest.raises(IngestError, match=r"^cut\.xml: line 6: malformed XML: Premature end"):
        read_bytes_with(CamtReader(), cut, "cut.xml")


def test_hostile_doctype_is_refused() -> None:
    data = doc(ntry()).replace(
        b"<Document", b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<Document', 1
    )
    with pytest.raises(IngestError, match=r"^evil\.xml: line 2: <!DOCTYPE> declaration refused"):
        read_bytes_with(CamtReader(), data, "evil.xml")


class _CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.consumed = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk


def test_reader_streams() -> None:
    data = doc(*(ntry(f"{i}.00") for i in range(1, 20_001)))
    stream = _CountingStream(data)
    records = CamtReader().read(stream, "big.xml")
    next(r for r in records if isinstance(r, ParsedTransaction))
    assert stream.consumed < len(data) // 4
    rest = [r for r in records if isinstance(r, ParsedTransaction)]
    assert len(rest) == 19_999
    assert rest[-1].amount == Decimal("-20000.00")
    assert rest[-1].position.line == 20_003


def test_booking_datetime_keeps_the_local_day() -> None:
    body = ntry().replace("<Dt>2024-03-30</Dt>", "<DtTm>2024-03-30T23:30:00-05:00</DtTm>")
    (tx,) = read_bytes_with(CamtReader(), doc(body)).transactions
    assert tx.booking_date == date(2024, 3, 30)  # the bank's day, not converted to UTC
