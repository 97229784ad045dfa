"""The CSV reader over every sample export in ../shared/samples/csv (MIT ones copied)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from openteller.domain.accounts import AccountType
from openteller.domain.errors import IngestError
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.csv_reader import CsvReader
from openteller.ingest.records import Severity
from tests.samples import Parsed, fixture, read_with, shared_sample


def _read(path_name: str, **options: object) -> Parsed:
    return read_with(CsvReader(**options), fixture(f"csv/{path_name}"))  # type: ignore[arg-type]


def _shared(path_name: str, **options: object) -> Parsed:
    return read_with(CsvReader(**options), shared_sample(f"csv/{path_name}"))  # type: ignore[arg-type]


def test_n26() -> None:
    parsed = _read("bank2ynab__20171001-20171106.csv")
    assert [a.institution for a in parsed.accounts] == ["N26 (DE)"]
    assert parsed.accounts[0].key == "csv:n26"
    (tx,) = parsed.transactions
    assert (tx.booking_date, tx.amount, tx.currency) == (
        date(2017, 10, 1),
        Decimal("-59.99"),
        "EUR",
    )
    assert tx.counterparty == "NINTENDO OF EUROPE"
    assert tx.category_hint == "Medien & Elektronik"
    assert tx.transaction_type == "MasterCard Zahlung"


def test_bunq_dutch_headers_decimal_comma() -> None:
    parsed = _read("bank2ynab__2018-04-14_10-52-13_bunq-transactieoverzicht.csv")
    assert [a.key for a in parsed.accounts] == ["NL47BUNQ2025181418"]
    assert [t.amount for t in parsed.transactions] == [
        Decimal("-2.56"), Decimal("750.00"), Decimal("-18.90"),
    ]  # fmt: skip
    assert parsed.transactions[1].counterparty == "W. KOELEWIJN EO"
    assert parsed.transactions[2].description == "Quality Nuts (EEMDIJK, NL)"


def test_bunq_english_headers() -> None:
    parsed = _read("bank2ynab__2019-03-02_11-50-46_bunq-statement.csv")
    assert parsed.accounts[0].institution.startswith("bunq (NL), English")
    assert len(parsed.transactions) == 7
    assert parsed.transactions[-1].amount == Decimal("-7.99")
    assert parsed.transactions[-1].booking_date == date(2018, 12, 17)
    assert parsed.transactions[-1].description == "NETFLIX.COM 14087249160, NL"


def test_sparkasse_csv_camt() -> None:
    parsed = _read("bank2ynab__20180226-1000594757-umsatz.CSV")
    assert parsed.accounts[0].key == "1000594757"
    (tx,) = parsed.transactions
    assert tx.booking_date == tx.value_date == date(2018, 2, 22)
    assert tx.amount == Decimal("-36.99")
    assert tx.counterparty == "Vodafone Kabel DeutschlandGmbH"
    assert tx.transaction_type == "FOLGELASTSCHRIFT"
    assert tx.status is TransactionStatus.BOOKED


def test_first_direct_uk_balance() -> None:
    parsed = _read("bank2ynab__20180226_12345678.csv")
    (tx,) = parsed.transactions
    assert (tx.booking_date, tx.amount, tx.currency) == (date(2018, 2, 10), Decimal("-5.00"), "GBP")
    assert tx.description == "MERCHANT NAME@12:34"
    (balance,) = parsed.balances
    assert (balance.amount, balance.as_of) == (Decimal("995.00"), date(2018, 2, 10))


def test_monzo_timestamps() -> None:
    parsed = _read("bank2ynab__MonzoDataExport_February2018_2018-02-26_174335.csv")
    (tx,) = parsed.transactions
    assert (tx.booking_date, tx.amount, tx.currency) == (date(2018, 2, 25), Decimal("-10"), "GBP")
    assert tx.bank_id == "tx_00009TziTeST1NG1ZWIPGS"
    assert tx.description == "Tesco"
    assert tx.category_hint == "general"


def test_ceska_sporitelna() -> None:
    parsed = _read("bank2ynab__TH_20180521-20180523.csv")
    (tx,) = parsed.transactions
    assert (tx.amount, tx.currency) == (Decimal("-111.11"), "CZK")
    assert tx.bank_id == "1111111111111"


def test_ocbc_preamble_and_continuation_rows() -> None:
    parsed = _read("bank2ynab__TransactionHistory_20180418043121.csv")
    assert [a.key for a in parsed.accounts] == ["FRANK Account 666-666666-666"]
    assert len(parsed.transactions) == 8
    first = parsed.transactions[0]
    assert first.amount == Decimal("-6.66")
    assert first.description == "DEBIT PURCHASE 15/04/18  66-6666 UBER EATS AN2GO HELP.UBERh"
    assert parsed.transactions[2].amount == Decimal("-66.66")
    assert parsed.transactions[-1].booking_date == date(2018, 4, 13)
    (balance,) = parsed.balances
    assert (balance.amount, balance.as_of) == (Decimal("6666.66"), date(2018, 4, 18))
    assert not parsed.problems


def test_commerzbank() -> None:
    parsed = _read("bank2ynab__Umsaetze_KtoNr538917600_EUR_02-03-2018_1503.CSV")
    assert parsed.accounts[0].key == "DE44200400000538917600"
    (tx,) = parsed.transactions
    assert (tx.booking_date, tx.amount) == (date(2018, 3, 2), Decimal("-17.22"))
    assert tx.description.startswith("Kartenzahlung REWE SAGT DANKE.")


def test_erste_hungary_newest_first_balance() -> None:
    parsed = _read("bank2ynab__W80844_EBH_201945.202122.csv")
    assert [t.amount for t in parsed.transactions] == [Decimal("-350"), Decimal("1290")]
    assert parsed.transactions[1].value_date == date(2019, 4, 18)
    (balance,) = parsed.balances  # the first row is the newest
    assert (balance.amount, balance.as_of) == (Decimal("2345.56"), date(2019, 4, 19))


def test_posb_headerless() -> None:
    parsed = _read("bank2ynab__dba33fceecd62c3c727893361e0ba4d3.P000000027355791.csv")
    (tx,) = parsed.transactions
    assert (tx.booking_date, tx.amount, tx.currency) == (date(2018, 2, 27), Decimal("-7.80"), "SGD")
    assert tx.description == "MCDONALD'S (TAM KIOSK) SI NG 22FEB"
    assert tx.position.line == 1


def test_kbc_checking() -> None:
    parsed = _read("bank2ynab__export_BE11123456789012_20180304_1422.csv")
    assert parsed.accounts[0].key == "BE11123456789012"
    (tx,) = parsed.transactions
    assert (tx.booking_date, tx.amount) == (date(2018, 2, 28), Decimal("-3.40"))
    (balance,) = parsed.balances
    assert balance.amount == Decimal("219.95")


def test_kbc_mastercard() -> None:
    parsed = _read("bank2ynab__export_KBC-Mastercard_Business_Essential_20200204_1604.csv")
    assert parsed.accounts[0].account_type is AccountType.CREDIT_CARD
    assert [t.amount for t in parsed.transactions] == [
        Decimal("-16.52"), Decimal("35.77"), Decimal("-16.52"),
    ]  # fmt: skip
    assert parsed.transactions[1].description == "Payment from Checking account"
    assert {t.account_key for t in parsed.transactions} == {"1234567890123456"}


def test_barclaycard_headerless_card_statement() -> None:
    parsed = _read("bank2ynab__statement_1.csv")
    (tx,) = parsed.transactions
    assert (tx.booking_date, tx.amount, tx.currency) == (
        date(2018, 2, 10),
        Decimal("-20.59"),
        "GBP",
    )
    assert tx.category_hint == "Household"


def test_bank_of_ireland_debit_credit() -> None:
    parsed = _read("bank2ynab__test_BOI_TransactionExport.csv")
    assert len(parsed.transactions) == 27
    assert parsed.transactions[0].amount == Decimal("428.03")
    assert parsed.transactions[1].description == "Éáú üüüümlaut!     GP"
    assert parsed.transactions[2].amount == Decimal("-512.0")
    (balance,) = parsed.balances
    assert (balance.amount, balance.as_of) == (Decimal("100"), date(2017, 9, 28))


@pytest.mark.parametrize(
    "name",
    [
        "bank2ynab__test_raiffeisen_01.csv",
        "bank2ynab__test_row_format_neg_inflow.csv",
    ],
)
def test_raiffeisen_headerless(name: str) -> None:
    parsed = _read(name)
    assert parsed.accounts[0].key == "csv:raiffeisen_at"
    assert len(parsed.transactions) == 73
    assert parsed.transactions[0].amount == Decimal("-33.87")
    assert parsed.transactions[0].value_date == date(2017, 9, 18)
    assert parsed.transactions[-1].booking_date == date(2017, 10, 19)
    assert sum(t.amount for t in parsed.transactions if t.amount > 0) > 0
    (problem,) = parsed.problems  # "A null transaction, just to confuse things"
    assert problem.position.line == 71


def test_generic_header_inference() -> None:
    parsed = _read("bank2ynab__test_headers.csv", currency="EUR")
    assert parsed.accounts[0].key == "csv:generic"
    assert len(parsed.transactions) == 73
    assert parsed.transactions[9].amount == Decimal("24.00")
    assert parsed.transactions[9].description == "Überweisung"
    lines = [p.position.line for p in parsed.problems]
    assert lines == [72, 76, 77]  # null row and two footer rows


def test_csvbank_chase_newest_first() -> None:
    parsed = _shared("beangulp__csvbank_statement.csv")
    assert parsed.accounts[0].key == "csv:chase_checking"
    assert len(parsed.transactions) == 6
    assert parsed.transactions[0].amount == Decimal("-2680.89")
    assert parsed.transactions[1].booking_date == date(2016, 3, 15)
    (balance,) = parsed.balances
    assert (balance.amount, balance.as_of) == (Decimal("3409.86"), date(2016, 3, 18))


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("ledger-autosync__amazon.csv", "Amazon order history"),
        ("beangulp__UTrade20160215.csv", "brokerage"),
    ],
)
def test_not_statements_refused(name: str, reason: str) -> None:
    with pytest.raises(IngestError, match=reason) as info:
        _shared(name)
    assert name in str(info.value)


def test_mint_direction_column() -> None:
    parsed = _shared("ledger-autosync__mint.csv")
    assert [t.amount for t in parsed.transactions] == [Decimal("-29.99"), Decimal("123.45")]
    assert parsed.transactions[0].booking_date == date(2016, 8, 2)
    assert parsed.accounts[0].key == "1234"


def test_paypal_ledger_autosync() -> None:
    parsed = _shared("ledger-autosync__paypal.csv")
    assert [t.amount for t in parsed.transactions] == [Decimal("-20.00"), Decimal("1120.00")]
    assert [t.bank_id for t in parsed.transactions] == ["XYZ1", "XYZ2"]


def test_venmo_signed_dollar_amounts() -> None:
    parsed = _shared("ledger-autosync__venmo.csv")
    assert [t.amount for t in parsed.transactions] == [
        Decimal("73.01"), Decimal("50.03"), Decimal("-12.01"), Decimal("-35.02"),
    ]  # fmt: skip
    assert all(p.severity is Severity.WARNING for p in parsed.problems)


def test_oca_layouts_need_a_currency() -> None:
    with pytest.raises(IngestError, match="currency") as info:
        _shared("oca__balance.csv")
    assert "oca__balance.csv: line 2: currency" in str(info.value)


def test_oca_layouts() -> None:
    balance = _shared("oca__balance.csv", currency="USD")
    assert [t.amount for t in balance.transactions] == [Decimal("-33.50"), Decimal("1533.50")]
    assert balance.balances[0].amount == Decimal("1510.00")
    dc = _shared("oca__debit_credit.csv", currency="USD")
    assert [t.amount for t in dc.transactions] == [Decimal("-33.50"), Decimal("1533.50")]
    dca = _shared("oca__debit_credit_amount.csv", currency="USD")
    assert [t.amount for t in dca.transactions] == [
        Decimal("20.00"), Decimal("13.50"), Decimal("-33.50"), Decimal("-1500.00"),
    ]  # fmt: skip
    multi = _shared("oca__multi_currency.csv")
    assert [(t.amount, t.currency) for t in multi.transactions] == [
        (Decimal("-33.50"), "USD"), (Decimal("1525.00"), "EUR"),
    ]  # fmt: skip
    sample = _shared("oca__sample_statement_en.csv")
    assert sample.transactions[1].counterparty == "Azure Interior"


def test_oca_paypal_exports() -> None:
    activity = _shared("oca__paypal_activity_en.csv")
    assert len(activity.transactions) == 76
    assert activity.transactions[0].booking_date == date(2015, 12, 29)  # day-first by values
    assert activity.transactions[0].amount == Decimal("79.75")
    assert {b.currency for b in activity.balances} == {"USD", "EUR", "AUD"}
    statement = _shared("oca__paypal_statement_en.csv")
    assert len(statement.transactions) == 19
    assert statement.transactions[0].amount == Decimal("-1058.09")
    assert statement.transactions[0].booking_date == date(2018, 9, 4)
