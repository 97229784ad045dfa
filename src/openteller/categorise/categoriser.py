"""Categorisation: one category per transaction, by a fixed, documented precedence.

1. the customer's own rules (first match);
2. a known merchant (coffee chains are ``coffee`` although their MCC says fast food,
   streaming services ``subscriptions`` although their MCC says digital media);
3. keyword rules (salary, ATM, fees, rent, transfers ... in EN/DE/NL/FR), by direction;
4. the MCC (ISO 18245) when the file carries one;
5. the bank's own category text (CSV exports);
6. the transaction type (OFX ATM/FEE/INT/DIV/XFER, SWIFT NCHG/NTRF ...);
7. money in that nothing else explains is ``income``; money out is ``uncategorised``.

A refund keyword ("REFUND", "GUTSCHRIFT") keeps the merchant's category so a refund
reduces spending there, and is never income.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

from openteller.categorise.data_files import (
    category_by_merchant_name,
    keyword_matcher,
    keyword_rules,
    mcc_table,
)
from openteller.categorise.merchants import without_numbers
from openteller.categorise.rules import CustomerRule
from openteller.domain.categories import Category

__all__ = ["Categoriser", "CustomerRule"]

_TYPE_CATEGORIES: dict[str, tuple[Category | None, Category | None]] = {
    # type: (category for money in, category for money out); None: no opinion
    "ATM": (Category.CASH, Category.CASH),
    "CASH": (Category.CASH, Category.CASH),
    "FEE": (None, Category.FEES),
    "SRVCHG": (None, Category.FEES),
    "INT": (Category.INCOME, Category.FEES),
    "DIV": (Category.INCOME, None),
    "DIRECTDEP": (Category.INCOME, None),
    "XFER": (Category.TRANSFERS, Category.TRANSFERS),
    "NTRF": (None, Category.TRANSFERS),
    "NCHG": (None, Category.FEES),
    "FCHG": (None, Category.FEES),
    "NINT": (Category.INCOME, Category.FEES),
    "NCHK": (None, None),
    "NSTO": (Category.TRANSFERS, Category.TRANSFERS),
}

_HINT_SYNONYMS: dict[str, Category] = {
    "eating out": Category.RESTAURANTS,
    "eating_out": Category.RESTAURANTS,
    "food and drink": Category.RESTAURANTS,
    "food & drink": Category.RESTAURANTS,
    "dining": Category.RESTAURANTS,
    "bills": Category.UTILITIES,
    "holidays": Category.TRAVEL,
    "general": Category.UNCATEGORISED,
    "expenses": Category.UNCATEGORISED,
    "personal care": Category.PERSONAL_CARE,
    "gas": Category.FUEL,
    "gas/fuel": Category.FUEL,
    "automotive": Category.TRANSPORT,
    "merchandise": Category.SHOPPING,
    "lebensmittel": Category.GROCERIES,
    "boodschappen": Category.GROCERIES,
    "salary": Category.INCOME,
}


class Categoriser:
    """Categorises transactions for one customer (their rules first).

    Everything after the customer's rules ignores words holding digits (store numbers,
    ids, dates) and is cached on what remains, so a merchant seen before costs a lookup.
    """

    def __init__(self, rules: Sequence[CustomerRule] = ()) -> None:
        self.rules = tuple(rules)

    def categorise(
        self,
        *,
        merchant: str,
        description: str,
        amount: Decimal,
        mcc: str = "",
        counterparty: str = "",
        transaction_type: str = "",
        category_hint: str = "",
    ) -> Category:
        for rule in self.rules:
            if rule.matches(merchant, description, amount):
                return rule.category
        return _categorise(
            merchant,
            f"{without_numbers(description)} | {without_numbers(counterparty)}",
            amount > 0,
            mcc.strip(),
            transaction_type.strip().upper(),
            category_hint.strip().casefold(),
        )


@lru_cache(maxsize=131_072)
def _categorise(
    merchant: str, text: str, money_in: bool, mcc: str, transaction_type: str, hint: str
) -> Category:
    known = category_by_merchant_name().get(merchant.casefold())
    keyword, refund = _keyword(f"{merchant} | {text}".upper(), money_in)
    if known is not None and keyword not in (Category.TRANSFERS, Category.CARD_PAYMENT):
        return known
    if keyword is not None:
        return keyword
    by_mcc = _by_mcc(mcc)
    if by_mcc is not None:
        return by_mcc
    by_hint = _by_hint(hint)
    if by_hint is not None and not (refund and by_hint is Category.INCOME):
        return by_hint
    by_type = _by_type(transaction_type, money_in)
    if by_type is not None and not (refund and by_type is Category.INCOME):
        return by_type
    if money_in and not refund:
        return Category.INCOME
    return Category.UNCATEGORISED


def _keyword(upper_text: str, money_in: bool) -> tuple[Category | None, bool]:
    """The first keyword rule (in file order) that applies, and whether it is a refund."""
    found = keyword_matcher().all(upper_text)
    if not found:
        return None, False
    rules = keyword_rules()
    refund = any(rules[i].category is None and money_in for i in found)
    for index in sorted(found):
        rule = rules[index]
        if rule.category is None:
            continue
        if rule.direction == "in" and not money_in:
            continue
        if rule.direction == "out" and money_in and not refund:
            continue
        if refund and rule.category is Category.INCOME:
            continue
        return rule.category, refund
    return None, refund


def _by_mcc(code: str) -> Category | None:
    if len(code) == 4 and code.isdigit():
        category = mcc_table()[int(code)]
        if category is not Category.UNCATEGORISED:
            return category
    return None


def _by_hint(text: str) -> Category | None:
    if not text:
        return None
    if text in _HINT_SYNONYMS:
        category = _HINT_SYNONYMS[text]
        return None if category is Category.UNCATEGORISED else category
    try:
        return Category.from_slug(text)
    except ValueError:
        return None


def _by_type(transaction_type: str, money_in: bool) -> Category | None:
    entry = _TYPE_CATEGORIES.get(transaction_type)
    if entry is None:
        return None
    return entry[0] if money_in else entry[1]
