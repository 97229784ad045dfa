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
    # Capital One's own wording in its CSV export (it was counted as income)
    assert categorise("CAPITAL ONE ONLINE PYMT", amount="250") is Category.CARD_PAYMENT


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


def test_precedence_chain_step_by_step() -> None:
    """Each step wins over every later one."""
    # customer rule > known merchant > keyword > MCC > bank category > type > direction
    rule = CustomerRule("tesco", Category.SHOPPING)
    assert categorise("TESCO STORES 3297", mcc="5411", rules=(rule,)) is Category.SHOPPING
    assert categorise("TESCO STORES 3297", mcc="5812") is Category.GROCERIES  # known > MCC
    assert categorise("SHELL COFFEE BAR") is Category.FUEL  # known > keyword
    assert categorise("CORNER CAFE", mcc="5411") is Category.COFFEE  # keyword > MCC
    assert categorise("XYZ", mcc="5541", category_hint="groceries") is Category.FUEL
    assert categorise("XYZ", category_hint="groceries", transaction_type="ATM") is (
        Category.GROCERIES
    )
    assert categorise("XYZ", amount="5", transaction_type="XFER") is Category.TRANSFERS
    assert categorise("XYZ", amount="5") is Category.INCOME
    assert categorise("XYZ", amount="-5") is Category.UNCATEGORISED


def test_transfers_and_card_payments_beat_a_known_merchant() -> None:
    # Paying the card issuer, or moving money to a wallet, is not spending at the brand.
    assert categorise("AMAZON CARD PAYMENT THANK YOU", amount="250") is Category.CARD_PAYMENT
    assert categorise("TRANSFER TO AMAZON PAY BALANCE") is Category.TRANSFERS


def test_keyword_direction() -> None:
    assert categorise("SALARY ACME LTD", amount="3000") is Category.INCOME
    assert categorise("SALARY ACME LTD", amount="-3000") is Category.UNCATEGORISED  # paid out
    assert categorise("MIETE JUNI", amount="950") is Category.INCOME  # rent received


def test_more_keywords() -> None:
    assert categorise("Kontoführungsgebühr") is Category.FEES  # German compound word
    assert categorise("DE217897, 1 x ATM Gebuehr") is Category.FEES  # an ATM fee is a fee
    assert categorise("NON-CHASE ATM FEE-WITH") is Category.FEES
    assert categorise("Payment - Thank You", amount="200") is Category.CARD_PAYMENT
    assert categorise("Retrait DAB Paris") is Category.CASH
    assert categorise("Frais bancaires") is Category.FEES
    assert categorise("virement salaire", amount="2000") is Category.INCOME
    assert categorise("SEPA-UEBERW Verwendungszweck 7") is Category.TRANSFERS
    assert categorise("Schadeverzekeringen premie") is Category.INSURANCE
    assert categorise("Parkeergarage Centrum") is Category.TRANSPORT
    assert categorise("Loodgietersbedrijf Jansen") is Category.HOUSING


def test_refunds_keep_the_merchants_category_and_are_never_income() -> None:
    assert categorise("REFUND STARBUCKS STORE 00123", amount="4.95") is Category.COFFEE
    assert categorise("XYZ RETURN", amount="9", transaction_type="DIRECTDEP") is (
        Category.UNCATEGORISED
    )
    assert categorise("XYZ RETURN", amount="9", category_hint="income") is Category.UNCATEGORISED


def test_transaction_types() -> None:
    assert categorise("XYZ", amount="100", transaction_type="DIRECTDEP") is Category.INCOME
    assert categorise("XYZ", amount="1", transaction_type="DIV") is Category.INCOME
    assert categorise("XYZ", amount="-1", transaction_type="INT") is Category.FEES
    assert categorise("XYZ", amount="-9", transaction_type="FEE") is Category.FEES
    assert categorise("XYZ", amount="-9", transaction_type="xfer") is Category.TRANSFERS
    assert categorise("XYZ", amount="-9", transaction_type="NCHG") is Category.FEES
    assert categorise("XYZ", amount="-9", transaction_type="POS") is Category.UNCATEGORISED


def test_rule_matches_merchant_or_description_and_amount_bounds_are_inclusive() -> None:
    by_merchant = CustomerRule("blue bottle", Category.RESTAURANTS)
    assert categorise("SQ *BLUE BOTTLE COFFEE 1234", rules=(by_merchant,)) is (Category.RESTAURANTS)
    by_description = CustomerRule("/INV-\\d+/", Category.INCOME)
    assert categorise("ACME INV-2024 PAID", amount="-1", rules=(by_description,)) is (
        Category.INCOME
    )
    band = CustomerRule("gym", Category.HEALTH, min_amount=Decimal("-50"), max_amount=Decimal(-10))
    assert categorise("CITY GYM", amount="-50", rules=(band,)) is Category.HEALTH
    assert categorise("CITY GYM", amount="-10", rules=(band,)) is Category.HEALTH
    assert categorise("CITY GYM", amount="-50.01", rules=(band,)) is Category.ENTERTAINMENT
    assert categorise("CITY GYM", amount="-9.99", rules=(band,)) is Category.ENTERTAINMENT
    # The first matching rule wins.
    first, second = CustomerRule("gym", Category.CHARITY), CustomerRule("gym", Category.TAXES)
    assert categorise("CITY GYM", rules=(first, second)) is Category.CHARITY


def test_more_bad_rules() -> None:
    with pytest.raises(ValueError, match="a category rule needs 'category'"):
        CustomerRule.from_dict({"pattern": "x"})
    with pytest.raises(ValueError, match="a category rule needs 'pattern'"):
        CustomerRule.from_dict({"category": "cash"})
    with pytest.raises(ValueError, match=r"rule pattern '/\[a-/' is not a valid regex"):
        CustomerRule.from_dict({"pattern": "/[a-/", "category": "cash"})
    assert CustomerRule("/a/", Category.CASH).matches("CAT", "", Decimal(1))  # case-insensitive
    assert CustomerRule("a+b", Category.CASH).matches("", "A+B", Decimal(1))  # plain: literal


def test_every_data_file_row_loads() -> None:
    from openteller.categorise.data_files import keyword_rules, known_merchants

    assert len(known_merchants()) > 300
    assert all(rule.direction in {"in", "out", "any"} for rule in keyword_rules())
    assert mcc_table()[5814] is Category.FAST_FOOD
    assert mcc_table()[5411] is Category.GROCERIES


def test_a_bad_data_file_pattern_is_named() -> None:
    from openteller.categorise.data_files import Matcher

    with pytest.raises(ValueError, match=r"bad pattern '\(UNCLOSED' in the data files"):
        Matcher.build(["SHELL", "(UNCLOSED"])
