"""Spending and income over numeric arrays: refunds net, transfers and card payments never
count, filters combine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from openteller.assistant.analytics import LedgerArrays, Selection
from openteller.domain.categories import Category


@dataclass
class Block:
    day: np.ndarray  # type: ignore[type-arg]
    amount: np.ndarray  # type: ignore[type-arg]
    category: np.ndarray  # type: ignore[type-arg]
    merchant: np.ndarray  # type: ignore[type-arg]
    currency: np.ndarray  # type: ignore[type-arg]
    merchants: list[str]
    currencies: list[str]

    def __len__(self) -> int:
        return len(self.day)


def block(rows: list[tuple[str, int, Category, str, str]]) -> Block:
    merchants = list(dict.fromkeys(r[3] for r in rows))
    currencies = list(dict.fromkeys(r[4] for r in rows))
    return Block(
        np.array([date.fromisoformat(r[0]).toordinal() for r in rows], dtype=np.int32),
        np.array([r[1] for r in rows], dtype=np.int64),
        np.array([int(r[2]) for r in rows], dtype=np.int16),
        np.array([merchants.index(r[3]) for r in rows], dtype=np.int32),
        np.array([currencies.index(r[4]) for r in rows], dtype=np.int16),
        merchants,
        currencies,
    )


LEDGER = LedgerArrays(
    [
        (
            "checking",
            block(
                [
                    ("2026-10-01", 325000, Category.INCOME, "Acme", "USD"),
                    ("2026-10-02", -8210, Category.GROCERIES, "Whole Foods", "USD"),
                    ("2026-10-03", -50000, Category.TRANSFERS, "Savings", "USD"),
                    ("2026-10-04", -25000, Category.CARD_PAYMENT, "", "USD"),
                ]
            ),
        ),
        (
            "card",
            block(
                [
                    ("2026-10-10", -6000, Category.SHOPPING, "Amazon", "USD"),
                    ("2026-10-12", 2500, Category.SHOPPING, "Amazon", "USD"),
                    ("2026-10-04", 25000, Category.CARD_PAYMENT, "", "USD"),
                    ("2026-10-20", -1000, Category.RESTAURANTS, "Café", "EUR"),
                ]
            ),
        ),
    ]
)
OCTOBER = Selection(since=date(2026, 10, 1), until=date(2026, 10, 31))


def test_spending_nets_refunds_and_skips_transfers_and_card_payments() -> None:
    total = LEDGER.spending(OCTOBER)
    assert total.minor == {"USD": 8210 + 6000 - 2500, "EUR": 1000}
    assert total.count == 3


def test_income_skips_refunds_and_card_payments() -> None:
    assert LEDGER.income(OCTOBER).minor == {"USD": 325000}


def test_filters_by_merchant_account_category_and_amount() -> None:
    assert LEDGER.spending(Selection(merchants=frozenset({"amazon"}))).minor == {"USD": 3500}
    assert LEDGER.spending(Selection(accounts=frozenset({"checking"}))).minor == {"USD": 8210}
    assert LEDGER.spending(Selection(categories=frozenset({Category.GROCERIES}))).count == 1
    assert LEDGER.spending(Selection(min_amount=5000)).minor == {"USD": 8210 + 6000}
    assert LEDGER.spending(Selection(exclude_merchants=frozenset({"amazon"}))).minor == {
        "USD": 8210,
        "EUR": 1000,
    }


def test_breakdowns_are_largest_first_in_the_main_currency() -> None:
    assert LEDGER.spending_by(OCTOBER, "category") == [("groceries", 8210), ("shopping", 3500)]
    assert LEDGER.monthly_spending(OCTOBER) == [("2026-10", 8210 + 3500)]  # USD only
