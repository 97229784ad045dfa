"""Proactive insights on ledgers built for each case (pure functions, frozen 'today')."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from openteller.alerts.insights import (
    Tx,
    duplicate_charges,
    low_balance,
    recurring,
    unusually_large,
    weekly_spending,
)

TODAY = date(2026, 11, 24)  # a Tuesday


def tx(n: int, day: date, amount: str, merchant: str, spending: bool = True) -> Tx:
    return Tx(f"t{n}", day, Decimal(amount), merchant, spending)


def test_a_duplicate_charge_is_found_once_and_names_both() -> None:
    ledger = [
        tx(1, TODAY - timedelta(days=1), "-12.50", "Uber"),
        tx(2, TODAY - timedelta(days=1), "-12.50", "Uber"),
        tx(3, TODAY - timedelta(days=1), "-9.00", "Uber"),  # another amount: fine
        tx(4, TODAY - timedelta(days=2), "-4.50", "Starbucks"),
        tx(5, TODAY - timedelta(days=3), "-4.50", "Starbucks"),  # another day: fine
        tx(6, TODAY - timedelta(days=20), "-30.00", "Shell"),
        tx(7, TODAY - timedelta(days=20), "-30.00", "Shell"),  # too long ago to mention
        tx(8, TODAY, "-500.00", "Savings", spending=False),
        tx(9, TODAY, "-500.00", "Savings", spending=False),  # transfers are not charges
    ]
    (found,) = duplicate_charges(ledger, TODAY)
    assert (found.kind, found.merchant, found.amount) == (
        "duplicate_charge",
        "Uber",
        Decimal("12.50"),
    )
    assert found.transactions == ("t1", "t2")


def monthly(merchant: str, amounts: list[str], last: date) -> list[Tx]:
    days = [last - timedelta(days=30 * n) for n in reversed(range(len(amounts)))]
    return [tx(100 + n, d, a, merchant) for n, (d, a) in enumerate(zip(days, amounts, strict=True))]


def test_a_new_monthly_charge_and_a_price_rise() -> None:
    new = monthly("Netflix", ["-15.49", "-15.49", "-15.99"], TODAY - timedelta(days=1))
    rise = monthly("Spotify", ["-9.99", "-9.99", "-9.99", "-12.99"], TODAY)
    irregular = [tx(200, TODAY - timedelta(days=d), "-20.00", "Gym") for d in (0, 11, 45)]
    found = recurring(new + rise + irregular, TODAY)
    kinds = {(i.kind, i.merchant) for i in found}
    assert kinds == {("new_recurring", "Netflix"), ("recurring_increase", "Spotify")}
    increase = next(i for i in found if i.kind == "recurring_increase")
    assert increase.amount == Decimal("12.99") and "9.99 to 12.99" in increase.detail


def test_weekly_charges_and_old_news_are_handled() -> None:
    weekly = [tx(300 + n, TODAY - timedelta(days=7 * n), "-8.00", "Car wash") for n in range(3)]
    assert [i.kind for i in recurring(weekly, TODAY)] == ["new_recurring"]
    assert recurring(weekly, TODAY + timedelta(days=30)) == []  # the latest is not recent


def test_low_balance_only_under_the_threshold() -> None:
    assert low_balance(Decimal("120.00"), Decimal("100"), TODAY, "Checking ••0401") == []
    (alert,) = low_balance(Decimal("80.00"), Decimal("100"), TODAY, "Checking ••0401")
    assert alert.kind == "low_balance" and "under your 100" in alert.detail


def test_weekly_spending_against_the_median_of_previous_weeks() -> None:
    ledger = []
    for week, amount in enumerate(["-40", "-50", "-60", "-45"], start=1):
        monday = TODAY - timedelta(days=1) - timedelta(weeks=week)
        ledger.append(tx(400 + week, monday, amount, "Tesco"))
        ledger.append(tx(500 + week, monday + timedelta(days=3), "-999", "Tesco"))  # Thursday
    ledger.append(tx(600, TODAY - timedelta(days=1), "-90", "Tesco"))
    (insight,) = weekly_spending(ledger, TODAY)
    assert insight.amount == Decimal("90")
    assert "more than your usual 47.50" in insight.detail  # Mon-Tue only, median of 4


def test_unusually_large_needs_history_and_a_big_outlier() -> None:
    history = [
        tx(n, TODAY - timedelta(days=10 + n), f"-{20 + n % 7}.00", "Shop") for n in range(30)
    ]
    big = tx(99, TODAY, "-400.00", "Jeweller")
    normal = tx(98, TODAY, "-25.00", "Shop")
    (found,) = unusually_large([*history, big, normal], TODAY)
    assert (found.merchant, found.amount) == ("Jeweller", Decimal("400.00"))
    assert unusually_large([big, normal], TODAY) == []  # too little history to judge
