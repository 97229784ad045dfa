"""The Open Banking UK reader over the published v3.1.11 examples (MIT, tests/fixtures/obie)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from openteller.domain.accounts import AccountType, BalanceKind, mask
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.fdx import FdxReader
from openteller.ingest.open_banking import OpenBankingReader
from openteller.ingest.records import Severity
from tests.samples import FIXTURES, fixture, read_with

READER = OpenBankingReader()
PREFIX = "obie/obie-rw-v3.1.11_"


def test_accounts_bulk_detail() -> None:
    parsed = read_with(READER, fixture(PREFIX + "accounts__01_bulk_detail_permission.json"))
    assert (len(parsed.accounts), len(parsed.balances), len(parsed.transactions)) == (2, 0, 0)
    assert parsed.problems == []
    bills, household = parsed.accounts
    assert bills.key == "22289"
    assert bills.identifier == "80200110203345"
    assert mask(bills.identifier) == "3345"
    assert bills.account_type is AccountType.CHECKING
    assert bills.currency == "GBP"
    assert bills.display_name == "Bills"
    assert bills.position.element == "$.Data.Account[0]"
    assert (household.key, mask(household.identifier)) == ("31820", "3348")
    assert household.display_name == "Household"


def test_accounts_specific_detail() -> None:
    parsed = read_with(
        READER, fixture(PREFIX + "accounts__02_specific_account_detail_permission.json")
    )
    assert [a.key for a in parsed.accounts] == ["22289"]
    assert parsed.accounts[0].identifier == "80200110203345"
    assert parsed.records == parsed.accounts


def test_accounts_basic_permission_falls_back_to_account_id() -> None:
    parsed = read_with(READER, fixture(PREFIX + "accounts__03_bulk_basic_permission.json"))
    assert [(a.key, a.identifier, a.display_name) for a in parsed.accounts] == [
        ("22289", "22289", "Bills"),
        ("31820", "31820", "Household"),
    ]
    assert parsed.problems == []


def test_balances_bulk_signs_kinds_and_first_sight_accounts() -> None:
    parsed = read_with(READER, fixture(PREFIX + "balances__01_bulk.json"))
    assert len(parsed.accounts) == 2 and len(parsed.balances) == 2 and not parsed.problems
    # Each account is yielded before the balance that refers to it.
    assert [type(r).__name__ for r in parsed.records] == [
        "ParsedAccount",
        "ParsedBalance",
        "ParsedAccount",
        "ParsedBalance",
    ]
    first, second = parsed.balances
    assert (first.account_key, first.kind, first.amount) == (
        "22289",
        BalanceKind.AVAILABLE,
        Decimal("1230.00"),
    )
    assert first.as_of == datetime(2017, 4, 5, 10, 43, 7, tzinfo=UTC)
    assert (second.account_key, second.kind, second.amount) == (
        "31820",
        BalanceKind.BOOKED,
        Decimal("-57.36"),
    )
    assert second.currency == "GBP"
    assert parsed.accounts[1].identifier == "31820"
    assert parsed.accounts[1].account_type is AccountType.OTHER


@pytest.mark.parametrize(
    ("name", "amount", "as_of"),
    [
        (
            "balances__02_specific_account_with_high_cost_credit_not_inclu.json",
            "300.00",
            datetime(2017, 4, 5, 10, 43, 7, tzinfo=UTC),
        ),
        (
            "balances__03_specific_account_with_creditline_included_in_bal.json",
            "800.00",
            datetime(2017, 4, 5, 10, 43, 7, tzinfo=UTC),
        ),
        (
            "balances__05_wallet_account_with_multiple_currencies.json",
            "329.06",
            datetime(2023, 4, 5, 10, 43, 7, tzinfo=UTC),
        ),
    ],
)
def test_single_balance_object(name: str, amount: str, as_of: datetime) -> None:
    parsed = read_with(READER, fixture(PREFIX + name))
    assert [a.key for a in parsed.accounts] == ["22289"]
    assert len(parsed.balances) == 1 and not parsed.problems
    balance = parsed.balances[0]
    assert balance.amount == Decimal(amount)
    assert balance.kind is BalanceKind.AVAILABLE
    assert balance.currency == "GBP"  # the wallet's base currency, not LocalAmount's USD
    assert balance.as_of == as_of
    assert balance.position.element == "$.Data.Balance"


def test_transactions_specific_account() -> None:
    parsed = read_with(READER, fixture(PREFIX + "transactions__01_specific_account.json"))
    assert len(parsed.accounts) == 1 and len(parsed.transactions) == 1
    assert parsed.balances == [] and parsed.problems == []
    account = parsed.accounts[0]
    assert (account.key, account.identifier, account.currency) == ("22289", "22289", "GBP")
    tx = parsed.transactions[0]
    assert tx.account_key == "22289"
    assert tx.bank_id == "123"
    assert tx.reference == "Ref 1"
    assert tx.amount == Decimal("10.00")
    assert tx.currency == "GBP"
    assert tx.status is TransactionStatus.BOOKED
    assert tx.booking_date == date(2017, 4, 5)
    assert tx.value_date == date(2017, 4, 5)
    assert tx.description == "Cash from Aubrey"
    assert tx.transaction_type == "ReceivedCreditTransfer/DomesticCreditTransfer"
    assert tx.position.element == "$.Data.Transaction[0]"


def test_statement_closing_balances() -> None:
    parsed = read_with(READER, fixture(PREFIX + "statements__01_specific_account.json"))
    # The second statement carries only PreviousClosingBalance amounts.
    assert [a.key for a in parsed.accounts] == ["22289"]
    assert [(b.amount, b.kind) for b in parsed.balances] == [
        (Decimal("400.00"), BalanceKind.BOOKED)
    ]
    assert parsed.balances[0].as_of == datetime(2017, 8, 31, 23, 59, 59, tzinfo=UTC)
    assert parsed.problems == []


def test_statements_bulk() -> None:
    parsed = read_with(READER, fixture(PREFIX + "statements__03_bulk.json"))
    assert [a.key for a in parsed.accounts] == ["22289", "32389"]
    assert [(b.account_key, b.amount, b.as_of.date()) for b in parsed.balances] == [  # type: ignore[union-attr]
        ("22289", Decimal("400.00"), date(2017, 8, 31)),
        ("22289", Decimal("200.00"), date(2017, 9, 30)),
        ("32389", Decimal("2700.00"), date(2017, 9, 30)),
    ]
    assert parsed.transactions == [] and parsed.problems == []


@pytest.mark.parametrize(
    ("name", "resource"),
    [
        ("obie-rw-v3.1.11_parties__01_all_parties.json", "Party"),
        ("obie-rw-v3.1.11_beneficiaries__02_bulk.json", "Beneficiary"),
        ("obie-rw-v3.1.11_direct_debits__02_bulk.json", "DirectDebit"),
        ("obie-opendata-hsbc-atms_2024-10-17.json", "data"),
    ],
)
def test_other_resources_are_skipped_with_one_warning(name: str, resource: str) -> None:
    parsed = read_with(READER, fixture(f"obie/{name}"))
    assert len(parsed.records) == 1
    problem = parsed.problems[0]
    assert problem.severity is Severity.WARNING
    assert problem.field == resource
    assert "not an account/balance/transaction resource, skipped" in problem.message
    assert problem.source == name


def test_every_sample_sniffs_as_obie() -> None:
    for path in sorted((FIXTURES / "obie").glob("*.json")):
        head = path.read_bytes()[: 64 * 1024]
        score = READER.sniff(head, path.name)
        assert score >= 0.4, path.name
        assert FdxReader().sniff(head, path.name) < score, path.name
