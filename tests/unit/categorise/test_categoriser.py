"""Categorisation precedence and customer rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openteller.categorise.categoriser import Categoriser, CustomerRule
from openteller.categorise.data_files import mcc_table
from openteller.domain.categories import Category


def categorise(
    description: str,
    amount: str = "-10",
    mcc: str = "",
    rules: tuple[CustomerRule, ...] = (),
    merchant: str = "",
    **extra: str,
) -> Category:
    from openteller.categorise.merchants import normalise_merchant

    return Categoriser(rules).categorise(
        merchant=merchant or normalise_merchant(description),
        description=description,
        amount=Decimal(amount),
        mcc=mcc,
        **extra,
    )


def test_mcc_gives_the_broad_category() -> None:
    assert categorise("SOME PLACE", mcc="5411") is Category.GROCERIES
    assert categorise("SOME PLACE", mcc="5812") is Category.RESTAURANTS
    assert categorise("SOME PLACE", mcc="5814") is Category.FAST_FOOD
    assert categorise("SOME PLACE", mcc="5541") is Category.FUEL
    assert categorise("SOME PLACE", mcc="6011") is Category.CASH
    assert categorise("SOME PLACE", mcc="3005") is Category.TRAVEL  # airline range
    assert categorise("SOME PLACE", mcc="xx11") is Category.UNCATEGORISED


def test_known_merchants_refine_the_mcc() -> None:
    # Coffee chains carry 5814 (fast food); streaming services carry media MCCs.
    assert categorise("STARBUCKS STORE 00123 SEATTLE WA", mcc="5814") is Category.COFFEE
    assert categorise("NETFLIX.COM 866-579-7172 CA", mcc="4899") is Category.SUBSCRIPTIONS
    assert categorise("PAYPAL *SPOTIFY", mcc="5815") is Category.SUBSCRIPTIONS
    assert categorise("UBER *TRIP HELP.UBER.COM", mcc="4121") is Category.TRANSPORT


def test_keywords_in_several_languages() -> None:
    assert categorise("GEHALT Mai ACME GmbH", amount="3200") is Category.INCOME
    assert categorise("SALARIS APRIL", amount="2500") is Category.INCOME
    assert categorise("GELDAUTOMAT SPARKASSE") is Category.CASH
    assert categorise("Entgelt Kontoführung") is Category.FEES
    assert categorise("MIETE WOHNUNG MAI", amount="-950") is Category.HOUSING
    assert categorise("Overboeking naar spaarrekening") is Category.TRANSFERS
    assert categorise("Sammelüberweisung 1. Zahlung") is Category.TRANSFERS
    assert categorise("PAYMENT THANK YOU", amount="500") is Category.CARD_PAYMENT


def test_word_boundaries_keep_keywords_apart() -> None:
    assert categorise("COFFEE SHOP", mcc="") is Category.COFFEE  # not "FEE"
    assert categorise("TAXI ZENTRALE") is Category.TRANSPORT  # not "TAX"


def test_money_in_is_income_unless_a_refund() -> None:
    assert categorise("J SMITH", amount="50") is Category.INCOME
    assert categorise("AMAZON REFUND", amount="20") is Category.SHOPPING
    assert categorise("REFUND FROM SOME PLACE", amount="20", mcc="5812") is Category.RESTAURANTS
    assert categorise("REFUND FROM SOME PLACE", amount="20") is Category.UNCATEGORISED


def test_bank_category_text_and_transaction_type_are_late_fallbacks() -> None:
    assert categorise("XYZ", category_hint="eating_out") is Category.RESTAURANTS
    assert categorise("XYZ", category_hint="groceries") is Category.GROCERIES
    assert categorise("XYZ", category_hint="no such thing") is Category.UNCATEGORISED
    assert categorise("XYZ", transaction_type="ATM") is Category.CASH
    assert categorise("XYZ", transaction_type="SRVCHG") is Category.FEES
    assert categorise("XYZ", amount="3", transaction_type="INT") is Category.INCOME
    assert categorise("XYZ", mcc="5411", category_hint="eating_out") is Category.GROCERIES


def test_customer_rules_win_over_everything() -> None:
    mine = CustomerRule("starbucks", Category.RESTAURANTS)
    assert categorise("STARBUCKS STORE 00123", mcc="5814", rules=(mine,)) is Category.RESTAURANTS
    # A regex rule, bounded to money out of at least 1000: the landlord, not the plumber.
    landlord = CustomerRule(r"/^J\.? ?SMITH/", Category.HOUSING, max_amount=Decimal("-1000"))
    assert categorise("J SMITH", amount="-1200", rules=(landlord,)) is Category.HOUSING
    assert categorise("J SMITH", amount="-80", rules=(landlord,)) is Category.UNCATEGORISED
    assert categorise("MR J SMITH", amount="-1200", rules=(landlord,)) is Category.UNCATEGORISED


def test_rules_round_trip_and_bad_rules_are_named() -> None:
    rule = CustomerRule("/gym|fitness/", Category.HEALTH, min_amount=Decimal("-100"))
    assert CustomerRule.from_dict(rule.to_dict()) == rule
    with pytest.raises(ValueError, match=r"rule pattern '/\(unclosed/' is not a valid regex"):
        CustomerRule("/(unclosed/", Category.HEALTH)
    with pytest.raises(ValueError, match="non-empty pattern"):
        CustomerRule("  ", Category.HEALTH)
    with pytest.raises(ValueError, match="unknown category 'snacks'"):
        CustomerRule.from_dict({"pattern": "x", "category": "snacks"})
    with pytest.raises(ValueError, match="min_amount: not an amount: 'lots'"):
        CustomerRule.from_dict({"pattern": "x", "category": "cash", "min_amount": "lots"})
    with pytest.raises(ValueError, match="min_amount 5 > max_amount 1"):
        CustomerRule("x", Category.CASH, Decimal(5), Decimal(1))


def test_every_official_iso_18245_code_has_a_category() -> None:
    """Every code in the ISO 18245 list (copied in tests/fixtures, MIT) maps somewhere,
    except the few professional services no spending category fits."""
    import csv
    from pathlib import Path

    listing = (
        Path(__file__).resolve().parents[2] / "fixtures" / "mcc" / "iso18245_official_list.csv"
    )
    with listing.open(newline="", encoding="utf-8") as handle:
        codes = [row["MCC"] for row in csv.DictReader(handle)]
    assert len(codes) > 250
    table = mcc_table()
    unmapped = [c for c in codes if table[int(c)] is Category.UNCATEGORISED]
    assert len(unmapped) <= 0.05 * len(codes), unmapped
