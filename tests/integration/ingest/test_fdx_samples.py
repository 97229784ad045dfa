"""The FDX reader over tests/fixtures/fdx.

These fixtures are hand-written for OpenTeller from the public FDX API v5/v6 field
definitions (account descriptors, DepositAccount/LocAccount/LoanAccount, Transaction and
its deposit/loc/loan variants), because the FDX specification's own examples are
distributed under the FDX API License Agreement and may not be redistributed here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from openteller.domain.accounts import AccountType, BalanceKind, mask
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.fdx import FdxReader
from openteller.ingest.open_banking import OpenBankingReader
from tests.samples import FIXTURES, fixture, read_with

READER = FdxReader()


def test_accounts_deposit_card_and_loan_with_balances() -> None:
    parsed = read_with(READER, fixture("fdx/accounts.json"))
    assert parsed.problems == [] and parsed.transactions == []
    assert [(a.key, a.account_type, mask(a.identifier)) for a in parsed.accounts] == [
        ("dda-10001", AccountType.CHECKING, "4821"),
        ("sav-10002", AccountType.SAVINGS, "9034"),
        ("cc-20001", AccountType.CREDIT_CARD, "7310"),
        ("ln-30001", AccountType.LOAN, "0562"),
    ]
    assert [a.display_name for a in parsed.accounts] == [
        "Household checking",
        "High Yield Savings",
        "Travel card",
        "New Auto Loan 60 months",
    ]
    assert {a.currency for a in parsed.accounts} == {"USD"}
    balances = [(b.account_key, b.kind, b.amount) for b in parsed.balances]
    assert balances == [
        ("dda-10001", BalanceKind.BOOKED, Decimal("2543.17")),
        ("dda-10001", BalanceKind.AVAILABLE, Decimal("2493.17")),
        ("sav-10002", BalanceKind.BOOKED, Decimal("15000.00")),
        # A card balance owed is negative for the holder; available credit stays positive.
        ("cc-20001", BalanceKind.BOOKED, Decimal("-1245.67")),
        ("cc-20001", BalanceKind.AVAILABLE, Decimal("6754.33")),
        ("ln-30001", BalanceKind.BOOKED, Decimal("-18250.40")),
    ]
    assert parsed.balances[0].as_of == datetime(2024, 3, 31, 23, 59, 59, tzinfo=UTC)
    assert parsed.balances[3].as_of == datetime(
        2024, 3, 30, 12, 0, tzinfo=timezone(timedelta(hours=-5))
    )
    assert parsed.balances[5].as_of == date(2024, 3, 31)
    assert parsed.balances[3].position.element == "$.accounts[2].locAccount.currentBalance"


def test_single_flat_v6_account() -> None:
    parsed = read_with(READER, fixture("fdx/account_flat_v6.json"))
    assert len(parsed.accounts) == 1 and len(parsed.balances) == 2 and not parsed.problems
    account = parsed.accounts[0]
    assert (account.key, account.account_type, account.display_name) == (
        "mm-40001",
        AccountType.SAVINGS,
        "Premier Money Market",
    )
    assert [b.amount for b in parsed.balances] == [Decimal("10250.5"), Decimal("10250.5")]


def test_checking_transactions_signs_and_pending() -> None:
    parsed = read_with(READER, fixture("fdx/transactions_checking.json"))
    assert len(parsed.accounts) == 1 and len(parsed.transactions) == 4 and not parsed.problems
    assert parsed.records[0] is parsed.accounts[0]
    account = parsed.accounts[0]
    assert (account.key, account.account_type, account.currency) == (
        "dda-10001",
        AccountType.CHECKING,
        "USD",
    )
    grocery, payroll, check, coffee = parsed.transactions
    assert grocery.amount == Decimal("-84.23")
    assert grocery.booking_date == date(2024, 3, 28)
    assert grocery.bank_id == "dda-10001-t-0001"
    assert (grocery.merchant_hint, grocery.mcc) == ("Green Valley Grocery", "5411")
    assert grocery.category_hint == "Groceries"
    assert grocery.transaction_type == "POSDEBIT"
    assert payroll.amount == Decimal("2150.00")
    assert payroll.description == "ACME CORP PAYROLL DIRECT DEP PPD"
    assert payroll.counterparty == "ACME Corp"
    assert (check.amount, check.reference) == (Decimal("-300"), "1042")
    assert check.counterparty == "Riverside Property Management"
    assert coffee.status is TransactionStatus.PENDING
    assert coffee.amount == Decimal("-5.75")
    assert coffee.booking_date == date(2024, 3, 31)  # from transactionTimestamp
    assert all(t.status is TransactionStatus.BOOKED for t in (grocery, payroll, check))


def test_card_transactions() -> None:
    parsed = read_with(READER, fixture("fdx/transactions_card.json"))
    assert [a.account_type for a in parsed.accounts] == [AccountType.CREDIT_CARD]
    assert [(t.amount, t.status) for t in parsed.transactions] == [
        (Decimal("-412.60"), TransactionStatus.BOOKED),
        (Decimal("950.00"), TransactionStatus.BOOKED),
        (Decimal("-18.07"), TransactionStatus.BOOKED),
        (Decimal("-63.40"), TransactionStatus.PENDING),
    ]
    purchase, payment, _interest, authorisation = parsed.transactions
    # The posting day in the bank's own offset (-05:00), not UTC.
    assert purchase.booking_date == date(2024, 3, 12)
    assert (purchase.mcc, purchase.category_hint) == ("3058", "Travel")
    assert payment.reference == "PMT-77812"
    assert authorisation.merchant_hint == "Luigi's Trattoria"
    assert authorisation.booking_date == date(2024, 3, 30)


def test_loan_transactions() -> None:
    parsed = read_with(READER, fixture("fdx/transactions_loan.json"))
    assert [(a.key, a.account_type) for a in parsed.accounts] == [("ln-30001", AccountType.LOAN)]
    assert [(t.bank_id, t.amount, t.transaction_type) for t in parsed.transactions] == [
        ("ln-30001-2024-03-pay", Decimal("489.12"), "PAYMENT"),
        ("ln-30001-2024-03-late", Decimal("-25"), "FEE"),
    ]
    assert parsed.transactions[1].booking_date == date(2024, 3, 18)


def test_fixtures_sniff_as_fdx_not_obie() -> None:
    for path in sorted((FIXTURES / "fdx").glob("*.json")):
        head = path.read_bytes()
        assert READER.sniff(head, path.name) >= 0.7, path.name
        assert OpenBankingReader().sniff(head, path.name) == 0.0, path.name
