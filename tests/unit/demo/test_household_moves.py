"""The demo's money between a customer's own accounts: transfers to savings, the card
paid from checking, savings interest. Each move appears on both sides, and the card is
paid what was spent on it the month before."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal

from openteller.categorise.categoriser import Categoriser
from openteller.categorise.merchants import normalise_merchant
from openteller.demo.generator import generate, household_moves
from openteller.domain.categories import Category

START, UNTIL = date(2025, 1, 1), date(2025, 6, 30)


def _moves():  # type: ignore[no-untyped-def]
    purchases = list(
        generate(5, START, prefix="V", until=UNTIL, salary_and_rent=False, purchases_per_day=(0, 2))
    )
    checking, savings, card = household_moves(
        START,
        UNTIL,
        purchases,
        checking_mask="0401",
        savings_mask="0501",
        card_mask="1111",
        savings_opening=Decimal("1000.00"),
    )
    return purchases, checking, savings, card


def test_every_transfer_leaves_checking_and_reaches_savings() -> None:
    _purchases, checking, savings, _card = _moves()
    out = [t for t in checking if "SAVINGS" in t.description]
    came_in = [t for t in savings if "CHECKING" in t.description]
    assert [t.booking_date for t in out] == [date(2025, m, 2) for m in range(1, 7)]
    assert [t.booking_date for t in came_in] == [t.booking_date for t in out]
    assert all(t.amount == Decimal("-500.00") for t in out)
    assert all(t.amount == Decimal("500.00") for t in came_in)


def test_the_card_is_paid_what_was_spent_on_it_the_month_before() -> None:
    purchases, checking, _savings, card = _moves()
    spent: dict[int, Decimal] = defaultdict(Decimal)
    for purchase in purchases:
        spent[purchase.booking_date.month] -= purchase.amount
    paid = {t.booking_date.month: -t.amount for t in checking if "CREDIT CARD" in t.description}
    assert paid == {month: spent[month - 1] for month in range(2, 7)}  # January: nothing due
    assert [t.amount for t in card] == list(paid.values())
    assert all(t.booking_date.day == 25 for t in card)


def test_interest_is_paid_monthly_on_the_growing_balance() -> None:
    _purchases, _checking, savings, _card = _moves()
    interest = [t for t in savings if t.description == "INTEREST PAYMENT"]
    assert [t.booking_date for t in interest][:2] == [date(2025, 1, 31), date(2025, 2, 28)]
    assert interest[0].amount == Decimal("5.00")  # 4% a year on 1,500.00, for a month
    assert interest[1].amount > interest[0].amount


def test_the_moves_are_categorised_as_moves_and_name_no_full_number() -> None:
    _purchases, checking, savings, card = _moves()
    categoriser = Categoriser()
    seen = {
        categoriser.categorise(
            merchant=normalise_merchant(t.description),
            description=t.description,
            amount=t.amount,
            transaction_type=t.trntype,
        )
        for t in (*checking, *card, *(s for s in savings if "CHECKING" in s.description))
    }
    assert seen == {Category.TRANSFERS, Category.CARD_PAYMENT}
    lines = [t.description for t in (*checking, *savings, *card)]
    assert not [line for line in lines if re.search(r"\d{5}", line)]  # masked: last 4 only
    assert normalise_merchant("PAYMENT THANK YOU") == ""  # the card's line names no shop
