"""Slot extraction: categories with synonyms, fuzzy merchants, accounts, amounts, exclusions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from openteller.assistant.slots import extract, match_merchant
from openteller.domain.categories import Category

TODAY = date(2026, 11, 24)
MERCHANTS = ["Starbucks", "Amazon", "Amazon Prime", "Whole Foods", "Netflix", "Target", "Uber"]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("how much on eating out", Category.RESTAURANTS),
        ("dining out last week", Category.RESTAURANTS),
        ("takeout this month", Category.FAST_FOOD),
        ("what did gas cost me", Category.FUEL),
        ("petrol in october", Category.FUEL),
        ("my bills", Category.UTILITIES),
        ("rent", Category.HOUSING),
        ("streaming services", Category.SUBSCRIPTIONS),
        ("groceries", Category.GROCERIES),
        ("how much was my electric bill last month", Category.UTILITIES),
        ("gas bill in october", Category.UTILITIES),  # not fuel
        ("how much did i pay for my phone", Category.UTILITIES),
    ],
)
def test_category_synonyms(text: str, category: Category) -> None:
    assert extract(text, TODAY).category is category


@pytest.mark.parametrize(
    ("text", "merchant"),
    [
        ("starbux last week", "Starbucks"),
        ("what did i spend at amazon prime", "Amazon Prime"),
        ("amazon purchases", "Amazon"),
        ("wholefoods", "Whole Foods"),
        ("netflx this month", "Netflix"),
        ("how much did i spend on groceries", None),  # no merchant named
        ("how much money did i spend this week", None),  # common words are not merchants
    ],
)
def test_merchants_are_matched_fuzzily_against_the_customers_own(
    text: str, merchant: str | None
) -> None:
    assert extract(text, TODAY, MERCHANTS).merchant == merchant


def test_a_merchant_the_customer_never_paid_is_not_invented() -> None:
    assert match_merchant("tesco", MERCHANTS) is None


SHORT_NAMES = [*MERCHANTS, "NS", "UPS", "BP"]


@pytest.mark.parametrize(
    ("text", "merchant"),
    [
        ("my expenses last month", None),  # "ns" is in "expenses", but no word of it
        ("medicine expenses yesterday", None),
        ("what do my groups cost", None),  # nor "ups" in "groups"
        ("what did i spend at ups", "UPS"),
        ("how much at bp this week", "BP"),  # two letters, exactly
        ("train tickets from ns in march", "NS"),
        ("cvs pharmacy", None),  # not one of these merchants
    ],
)
def test_short_merchant_names_match_whole_words_only(text: str, merchant: str | None) -> None:
    assert extract(text, TODAY, SHORT_NAMES).merchant == merchant


def test_accounts_amounts_limits_and_exclusions() -> None:
    slots = extract("show my last 5 purchases over $50 on my visa except amazon", TODAY, MERCHANTS)
    assert slots.limit == 5
    assert slots.amount is not None and slots.amount.minimum == Decimal("50")
    assert slots.account == "credit_card"
    assert slots.exclude_merchants == ("Amazon",)
    assert extract("balance of card ending 1234", TODAY).account == "1234"
    assert extract("checking balance", TODAY).account == "checking"
    between = extract("purchases between $10 and $20.50", TODAY).amount
    assert between is not None and (between.minimum, between.maximum) == (
        Decimal("10"),
        Decimal("20.50"),
    )
    assert extract("everything except groceries", TODAY).exclude_categories == (Category.GROCERIES,)


def test_comparisons_and_breakdowns() -> None:
    assert extract("groceries vs last month", TODAY).compare == "previous"
    assert extract("am i spending more than usual on coffee", TODAY).compare == "usual"
    assert extract("break down my spending last month", TODAY).breakdown == "category"
    assert extract("spending by month this year", TODAY).breakdown == "month"


def test_the_period_comes_from_the_period_parser() -> None:
    slots = extract("coffee since monday", TODAY)
    assert slots.period is not None
    assert (slots.period.period.start, slots.period.period.end) == (
        date(2026, 11, 23),
        TODAY,
    )
    assert slots.category is Category.COFFEE


@pytest.mark.parametrize(
    ("text", "merchants"),
    [
        ("total spent on uber and lyft this year", ("Uber", "Lyft")),
        ("starbucks or amazon last month", ("Starbucks", "Amazon")),
        ("uber, lyft & starbucks", ("Uber", "Lyft", "Starbucks")),
        ("how much at barnes and noble", ("Barnes and Noble",)),  # one name with "and"
        ("amazon prime this month", ("Amazon Prime",)),  # one name, nothing joined
        ("coffee and starbucks", ("Starbucks",)),  # a category and a merchant
        ("groceries and restaurants", ()),
    ],
)
def test_several_merchants_joined_are_all_named(text: str, merchants: tuple[str, ...]) -> None:
    slots = extract(text, TODAY, [*MERCHANTS, "Lyft", "Barnes and Noble"])
    assert slots.merchants() == merchants
    assert slots.merchant == (merchants[0] if merchants else None)


def test_each_month_groups_and_the_period_is_still_found() -> None:
    """Before, "each month" (a recurring phrase, no period) hid "this year"."""
    slots = extract("how much did I spend on coffee each month this year", TODAY)
    assert slots.period is not None and slots.period.phrase == "this year"
    assert slots.breakdown == "month"


def test_the_biggest_category_is_a_breakdown_not_a_payment() -> None:
    slots = extract("what's my biggest expense category", TODAY)
    assert (slots.breakdown, slots.largest, slots.limit) == ("category", False, None)
