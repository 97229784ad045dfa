"""The spending taxonomy (documented in docs/categories.md).

Every transaction gets exactly one category. Ids are stable small integers because the
encrypted ledger blocks store categories as integer columns.
"""

from __future__ import annotations

from enum import IntEnum


class Category(IntEnum):
    """Spending and income categories; the integer value is the stored id."""

    UNCATEGORISED = 0
    GROCERIES = 1
    RESTAURANTS = 2
    COFFEE = 3
    FAST_FOOD = 4
    FUEL = 5
    TRANSPORT = 6
    TRAVEL = 7
    SHOPPING = 8
    UTILITIES = 9
    HOUSING = 10
    HEALTH = 11
    ENTERTAINMENT = 12
    SUBSCRIPTIONS = 13
    CASH = 14
    FEES = 15
    TRANSFERS = 16
    INCOME = 17
    EDUCATION = 18
    INSURANCE = 19
    TAXES = 20
    CHARITY = 21
    PERSONAL_CARE = 22
    CARD_PAYMENT = 23

    @property
    def slug(self) -> str:
        """Lower-case name used in the CLI, JSON and rules files, e.g. ``fast_food``."""
        return self.name.lower()

    @property
    def label(self) -> str:
        """Human label, e.g. ``Fast food``."""
        return self.name.replace("_", " ").capitalize()

    @classmethod
    def from_slug(cls, slug: str) -> Category:
        """Parse a slug such as ``fast_food`` or ``Fast food``."""
        key = slug.strip().upper().replace(" ", "_").replace("-", "_")
        try:
            return cls[key]
        except KeyError as exc:
            known = ", ".join(c.slug for c in cls)
            raise ValueError(f"unknown category {slug!r}; known: {known}") from exc


#: Categories that are not spending: moving money between own accounts, paying one's own
#: card, and money coming in.
NON_SPENDING = frozenset({Category.TRANSFERS, Category.INCOME, Category.CARD_PAYMENT})
