"""The camt reader on every sample in ../shared/samples/camt/.

MIT samples (genkgo/camt, viafintech/camt_parser) are copied into tests/fixtures/camt/; the
AGPL OCA samples are read in place through :func:`shared_sample`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pytest

from openteller.domain.accounts import AccountType, BalanceKind
from openteller.domain.errors import IngestError
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.camt import CamtReader
from openteller.ingest.records import Severity
from tests.samples import Parsed, fixture, read_with, shared_sample


class Expected(NamedTuple):
    identifier: str
    currency: str
    balances: list[tuple[str, str]]  # (b)ooked / (a)vailable, amount
    transactions: int
    first: tuple[str, str, str, str]  # amount, currency, booking date, bank_id
    last_reference: str


CH = "CH2801234000123456789"  # genkgo's Swiss test account
NL = "NL26VAYB8060476890"
DE = "DE14740618130000033626"
PF = "CH0309000000250090342"  # PostFinance examples
SEK_OUT = "-200000"
DAY_2007 = "2007-10-18"
GENKGO_BALANCES = [("b", "-27.00"), ("a", "-2700")]
GENKGO_053 = ("8.85", "EUR", "2014-12-31")

MIT: dict[str, Expected] = {
    "genkgo__camt052.v1.xml": Expected(
        CH, "SEK", [], 1, (SEK_OUT, "SEK", DAY_2007, "AAAASESS-FP-ACCR-01"), ""
    ),
    "genkgo__camt052.v2.xml": Expected(
        CH, "SEK", [], 1, (SEK_OUT, "SEK", DAY_2007, "AAAASESS-FP-ACCR-01"), ""
    ),
    "genkgo__camt052.v4.xml": Expected(
        CH,
        "CHF",
        [("b", "10022.15")],
        1,
        (SEK_OUT, "SEK", DAY_2007, "ACSR160614165200001"),
        "UXC06140000015PI00001EE00001",
    ),
    "genkgo__camt052.v8.xml": Expected(
        CH, "SEK", [], 1, (SEK_OUT, "SEK", DAY_2007, "AAAASESS-FP-ACCR-01"), ""
    ),
    "genkgo__camt053.v2.minimal.xml": Expected(
        NL, "EUR", GENKGO_BALANCES, 1, (*GENKGO_053, ""), "4654654654654654"
    ),
    "genkgo__camt053.v2.minimal.ultimate.xml": Expected(
        NL, "EUR", GENKGO_BALANCES, 1, (*GENKGO_053, ""), "4654654654654654"
    ),
    "genkgo__camt053.v2.with-account-name.xml": Expected(
        CH, "JPY", [("a", "-2700")], 1, (*GENKGO_053, ""), ""
    ),
    "genkgo__camt053.v2.with-party-ids.xml": Expected(
        NL, "EUR", GENKGO_BALANCES, 1, (*GENKGO_053, ""), "4654654654654654"
    ),
    "genkgo__camt053.v3.xml": Expected(
        NL,
        "EUR",
        GENKGO_BALANCES,
        1,
        (*GENKGO_053, "XXXXXXXXXXXXXXXXXXXXXXEUR"),
        "4654654654654654",
    ),
    "genkgo__camt053.v4.xml": Expected(
        NL, "EUR", GENKGO_BALANCES, 1, (*GENKGO_053, "AAAASESS-FP-CN_98765/01"), "4654654654654654"
    ),
    "genkgo__camt053.v8.xml": Expected(
        NL,
        "EUR",
        GENKGO_BALANCES,
        1,
        (*GENKGO_053, "AAAASESS-FP-CN_98765/01"),
        "MUELL/FINP/RA12345",
    ),
    "genkgo__camt054.v2.xml": Expected(
        CH, "SEK", [], 1, (SEK_OUT, "SEK", DAY_2007, "AAAASESS-FP-ACCR001"), "MUELL/FINP/RA12345"
    ),
    "genkgo__camt054.v4.xml": Expected(
        CH,
        "SEK",
        [],
        1,
        (SEK_OUT, "SEK", DAY_2007, "ACSR160617103200001"),
        "UXC06170000006PI00001EE00001",
    ),
    "genkgo__camt054.v8.xml": Expected(
        CH,
        "SEK",
        [],
        1,
        (SEK_OUT, "SEK", DAY_2007, "ACSR160617103200001"),
        "UXC06170000006PI00001EE00001",
    ),
    "genkgo__camt054.v8-with-UETR.xml": Expected(
        CH, "SEK", [], 1, (SEK_OUT, "SEK", DAY_2007, ""), ""
    ),
    "viafintech__052_valid_example.xml": Expected(
        "DE58740618130100033626",
        "EUR",
        [("b", "13.50")],
        2,
        ("2.00", "EUR", "2013-12-27", "2013122710583450000"),
        "",
    ),
    "viafintech__052_valid_example_with_dates.xml": Expected(
        "0000000000000001", "EUR", [], 1, ("-5.00", "EUR", "2019-07-19", ""), ""
    ),
    "viafintech__053_valid_example.xml": Expected(
        DE,
        "EUR",
        [("b", "23.06")],
        5,
        ("-2.00", "EUR", "2013-12-27", "2013122710583450000"),
        "STZV-EtE27122013-11:02-2",
    ),
    "viafintech__053_valid_example_v4.xml": Expected(
        PF,
        "CHF",
        [("b", "322689.77")],
        32,
        ("-24.00", "CHF", "2016-04-30", "20160401001027080060699001000107"),
        "E2E-1-1-16030913",
    ),
    "viafintech__053_valid_example_v8.xml": Expected(
        "CH1111111111111111111",
        "CHF",
        [("b", "84515.25"), ("a", "83415.25")],
        3,
        ("474.4", "CHF", "2023-06-20", "9999171ZC0173078"),
        "1208481",
    ),
    "viafintech__053_valid_example_with_debit.xml": Expected(
        DE,
        "EUR",
        [("b", "23.06")],
        5,
        ("-2.00", "EUR", "2013-12-27", "2013122710583450000"),
        "STZV-EtE27122013-11:02-2",
    ),
    "viafintech__053_valid_example_with_instdamt.xml": Expected(
        "CH9788761065025111111",
        "CHF",
        [("b", "4500.00")],
        1,
        ("4500.00", "CHF", "2019-05-13", "1340044232"),
        "",
    ),
    "viafintech__054_valid_example.xml": Expected(
        PF,
        "CHF",
        [],
        5,
        ("15.00", "CHF", "2016-04-10", "20160410375244000000000000000081/1"),
        "E2E-1-1-16030913",
    ),
}

OCA: dict[str, Expected] = {
    "oca__test-camt053.xml": Expected(
        "NL77ABNA0574908765",
        "EUR",
        [("b", "15121.12")],
        4,
        ("-754.25", "EUR", "2014-01-05", ""),
        "115",
    ),
    "oca__test-camt053-txdtls.xml": Expected(
        "CH1111000000123456789",
        "CHF",
        [("b", "79443.15")],
        2,
        ("2187.00", "CHF", "2017-03-22", "20170323001234567891234567891234/1"),
        "302388292000022222222222222",
    ),
    "oca__test-camt054.xml": Expected(
        "NL77ABNA0574908765",
        "EUR",
        [],
        1,
        ("5.00", "EUR", "2022-01-26", "98888208N8"),
        "ENDTOENDID-01",
    ),
}

_KINDS = {"b": BalanceKind.BOOKED, "a": BalanceKind.AVAILABLE}


def _check(parsed: Parsed, expected: Expected) -> None:
    assert parsed.problems == []
    (account,) = parsed.accounts
    assert (account.identifier, account.key, account.currency) == (
        expected.identifier,
        expected.identifier,
        expected.currency,
    )
    assert account.account_type is AccountType.CHECKING
    assert parsed.records[0] is account
    assert [(b.kind, b.amount) for b in parsed.balances] == [
        (_KINDS[k], Decimal(a)) for k, a in expected.balances
    ]
    assert len(parsed.transactions) == expected.transactions
    first = parsed.transactions[0]
    amount, currency, booked, bank_id = expected.first
    assert (first.amount, first.currency, first.booking_date, first.bank_id) == (
        Decimal(amount),
        currency,
        date.fromisoformat(booked),
        bank_id,
    )
    assert parsed.transactions[-1].reference == expected.last_reference
    for record in (*parsed.balances, *parsed.transactions):
        assert record.account_key == account.key
        assert isinstance(record.amount, Decimal)


def _mit(name: str) -> Parsed:
    return read_with(CamtReader(), fixture(f"camt/{name}"))


def _oca(name: str) -> Parsed:
    return read_with(CamtReader(), shared_sample(f"camt/{name}"))


@pytest.mark.parametrize("name", sorted(MIT))
def test_mit_sample(name: str) -> None:
    _check(_mit(name), MIT[name])


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(OCA))
def test_oca_sample(name: str) -> None:
    _check(_oca(name), OCA[name])


def test_every_shared_sample_is_covered() -> None:
    folder = Path(fixture("camt/genkgo__camt052.v1.xml")).parent
    copied = {p.name for p in folder.glob("*.xml")}
    assert copied == {*MIT, "genkgo__camt053.v2.wrong.xml"}


def test_wrong_file_has_no_statement() -> None:
    with pytest.raises(IngestError) as excinfo:
        _mit("genkgo__camt053.v2.wrong.xml")
    assert str(excinfo.value) == (
        "genkgo__camt053.v2.wrong.xml: line 3, element BkToCstmrStmt: no statement found "
        "(no Stmt, Rpt or Ntfctn with an account)"
    )


@pytest.mark.shared
def test_oca_reversal_entry_keeps_its_debit_sign_and_is_split() -> None:
    parsed = _oca("oca__test-camt053.xml")
    amounts = [t.amount for t in parsed.transactions]
    # Ntry[2] is DBIT 664.05 with RvslInd=true: CdtDbtInd is the reversal booking's own
    # direction (ISO usage rule), and its two TxDtls (564.05 + 100.00) sum to the entry.
    assert amounts == [Decimal(x) for x in ("-754.25", "-564.05", "-100.00", "1405.31")]
    reversal = parsed.transactions[1:3]
    assert {t.transaction_type for t in reversal} == {"PMNT/IDDT/UPDD reversal"}
    assert [t.reference for t in reversal] == [
        "TESTBANK/NL/20141229/01206408",
        "TESTBANK/NL/20141229/01206407",
    ]
    assert reversal[0].position.element == "Stmt[1]/Ntry[2]/NtryDtls/TxDtls[1]"
    first, last = parsed.transactions[0], parsed.transactions[-1]
    assert (first.counterparty, first.description) == (
        "INSURANCE COMPANY TESTX",
        "Insurance policy 857239PERIOD 01.01.2014 - 31.12.2014",
    )
    assert (last.counterparty, last.transaction_type) == ("3rd party Media", "PMNT/RCDT/ESCT")
    account = parsed.accounts[0]
    assert (account.display_name, account.institution) == ("Example company", "ABNANL2A")
    flipped = read_with(
        CamtReader(reversal_flips_sign=True), shared_sample("camt/oca__test-camt053.xml")
    )
    assert [t.amount for t in flipped.transactions][1:3] == [Decimal("564.05"), Decimal("100.00")]


@pytest.mark.shared
def test_oca_txdtls_batch_is_split_per_transaction() -> None:
    parsed = _oca("oca__test-camt053-txdtls.xml")
    assert [(t.amount, t.bank_id, t.counterparty) for t in parsed.transactions] == [
        (Decimal("2187.00"), "20170323001234567891234567891234/1", "Banque Cantonale Vaudoise"),
        (Decimal("1296.00"), "20170323001234567891234567891234/2", "Banque Cantonale Vaudoise"),
    ]
    assert sum(t.amount for t in parsed.transactions) == Decimal("3483.00")
    assert parsed.transactions[0].value_date == date(2017, 3, 23)
    assert parsed.transactions[0].description.startswith("CRÉDIT GROUPÉ BVR")


def test_postfinance_v4_statement_reconciles_with_reversals() -> None:
    """OPBD 322152.16 + entries (two DBIT reversals among them) == CLBD 322689.77."""
    parsed = _mit("viafintech__053_valid_example_v4.xml")
    total = sum((t.amount for t in parsed.transactions), Decimal(0))
    assert Decimal("322152.16") + total == parsed.balances[0].amount
    reversals = [t.amount for t in parsed.transactions if t.transaction_type.endswith("reversal")]
    assert reversals == [Decimal("-6.00"), Decimal("-15.53")]


def test_statuses_and_dates_across_versions() -> None:
    pending = _mit("genkgo__camt052.v4.xml").transactions[0]
    assert pending.status is TransactionStatus.PENDING
    v8 = _mit("genkgo__camt052.v8.xml").transactions[0]  # <Sts><Cd>BOOK</Cd></Sts>, BookgDt/DtTm
    assert (v8.status, v8.booking_date) == (TransactionStatus.BOOKED, date(2007, 10, 18))
    uetr = _mit("genkgo__camt054.v8-with-UETR.xml").transactions[0]  # no BookgDt nor ValDt
    assert (uetr.booking_date, uetr.value_date) == (date(2007, 10, 18), None)


def test_account_details_across_versions() -> None:
    v1 = _mit("genkgo__camt052.v1.xml").accounts[0]  # Id/PrtryAcct/Id, Svcr NmAndAdr/Nm
    assert (v1.identifier, v1.institution) == (CH, "AAAA BANKEN")
    named = _mit("genkgo__camt053.v2.with-account-name.xml").accounts[0]
    assert named.display_name == "Account Owner Name"
    assert _mit("viafintech__053_valid_example_v8.xml").accounts[0].institution == "UBSWCHZH80A"


def test_descriptions_and_parties() -> None:
    parsed = _mit("viafintech__053_valid_example_v8.xml")
    assert [(t.amount, t.counterparty, t.description) for t in parsed.transactions] == [
        (Decimal("474.4"), "Jon Doe", "INVOICE R77561 / Payment"),
        (Decimal("88.85"), "Finanz AG", "Credit Creditor Reference"),
        (Decimal("-20.97"), "DHL Express (Schweiz) AG", "e-banking Order // FILETRANSFER"),
    ]
    assert parsed.transactions[2].currency == "EUR"  # entry currency differs from the account
    assert not [p for p in parsed.problems if p.severity is Severity.ERROR]
