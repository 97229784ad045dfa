"""Totals, breakdowns and comparisons over a customer's numeric ledger (vectorised).

The access service hands over decrypted numeric block parts; :class:`LedgerArrays` joins
them into flat arrays once (dates, signed amounts in minor units, categories, and global
indices of merchant, currency and account), and every question is a few numpy
operations over those arrays.

Spending is money going out to merchants, net of refunds from the same merchant or
category, never counting money moved between the customer's own accounts (transfers)
or the payment of their own credit card (card payments): those would count twice.
Income is money coming in, with the same exclusions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from openteller.domain.categories import NON_SPENDING, Category


class NumericBlock(Protocol):
    """What the ledger arrays need of a decrypted block (``store.ledger_codec`` has it)."""

    @property
    def day(self) -> npt.NDArray[np.int32]: ...

    @property
    def amount(self) -> npt.NDArray[np.int64]: ...

    @property
    def category(self) -> npt.NDArray[np.int16]: ...

    @property
    def merchant(self) -> npt.NDArray[np.int32]: ...

    @property
    def currency(self) -> npt.NDArray[np.int16]: ...

    @property
    def merchants(self) -> list[str]: ...

    @property
    def currencies(self) -> list[str]: ...

    def __len__(self) -> int: ...


#: Where money in counts as income when no merchant or category is named.
INCOME_CATEGORIES = frozenset({Category.INCOME, Category.UNCATEGORISED, Category.TAXES})

#: Never spending or income: money between the customer's own accounts and cards.
NOT_FLOWS = NON_SPENDING - {Category.INCOME}


@dataclass(frozen=True, slots=True)
class Selection:
    """Which transactions a question is about (all fields optional)."""

    since: date | None = None
    until: date | None = None
    categories: frozenset[Category] | None = None
    exclude_categories: frozenset[Category] = frozenset()
    merchants: frozenset[str] | None = None  # lower-case merchant names
    exclude_merchants: frozenset[str] = frozenset()
    accounts: frozenset[str] | None = None  # account ids
    min_amount: int | None = None  # absolute minor units
    max_amount: int | None = None
    weekdays: frozenset[int] | None = None  # Monday is 0
    name_holds: str | None = None  # a lower-case word the merchant name must hold


@dataclass(frozen=True, slots=True)
class Total:
    """Minor units per currency and how many transactions made them."""

    minor: dict[str, int] = field(default_factory=dict)
    count: int = 0

    def main_currency(self) -> str | None:
        if not self.minor:
            return None
        return max(self.minor, key=lambda c: abs(self.minor[c]))


class LedgerArrays:
    """A customer's numeric ledger as flat arrays."""

    def __init__(self, blocks: Iterable[tuple[str, NumericBlock]]) -> None:
        merchant_index: dict[str, int] = {}
        display: dict[str, str] = {}  # lower-case name -> the name as first seen
        currency_index: dict[str, int] = {}
        account_index: dict[str, int] = {}
        days, amounts, categories, merchants, currencies, accounts = [], [], [], [], [], []
        for account_id, block in blocks:
            size = len(block)
            if not size:
                continue
            names = block.merchants
            for name in names:
                display.setdefault(name.lower(), name)
            local_merchants = np.array(
                [merchant_index.setdefault(m.lower(), len(merchant_index)) for m in names],
                dtype=np.int32,
            )
            local_currencies = np.array(
                [currency_index.setdefault(c, len(currency_index)) for c in block.currencies],
                dtype=np.int16,
            )
            days.append(block.day)
            amounts.append(block.amount)
            categories.append(block.category)
            merchants.append(local_merchants[block.merchant])
            currencies.append(local_currencies[block.currency])
            account = account_index.setdefault(account_id, len(account_index))
            accounts.append(np.full(size, account, dtype=np.int16))
        self.merchants = list(merchant_index)
        self.merchant_labels = [display[m] for m in self.merchants]
        self.currencies = list(currency_index)
        self.accounts = list(account_index)
        self.day: npt.NDArray[np.int32] = _join(days, np.int32)
        self.amount: npt.NDArray[np.int64] = _join(amounts, np.int64)
        self.category: npt.NDArray[np.int16] = _join(categories, np.int16)
        self.merchant: npt.NDArray[np.int32] = _join(merchants, np.int32)
        self.currency: npt.NDArray[np.int16] = _join(currencies, np.int16)
        self.account: npt.NDArray[np.int16] = _join(accounts, np.int16)

    def __len__(self) -> int:
        return int(self.day.shape[0])

    # -- selection -----------------------------------------------------------------------
    def select(self, selection: Selection) -> npt.NDArray[np.bool_]:
        mask = np.ones(len(self), dtype=bool)
        if selection.since is not None:
            mask &= self.day >= selection.since.toordinal()
        if selection.until is not None:
            mask &= self.day <= selection.until.toordinal()
        if selection.categories is not None:
            mask &= np.isin(self.category, [int(c) for c in selection.categories])
        if selection.exclude_categories:
            mask &= ~np.isin(self.category, [int(c) for c in selection.exclude_categories])
        if selection.merchants is not None:
            mask &= np.isin(self.merchant, self._merchant_ids(selection.merchants))
        if selection.exclude_merchants:
            mask &= ~np.isin(self.merchant, self._merchant_ids(selection.exclude_merchants))
        if selection.accounts is not None:
            wanted = [i for i, a in enumerate(self.accounts) if a in selection.accounts]
            mask &= np.isin(self.account, wanted)
        if selection.name_holds is not None:
            named = [i for i, name in enumerate(self.merchants) if selection.name_holds in name]
            mask &= np.isin(self.merchant, named)
        if selection.weekdays is not None:  # ordinal 1 (1 Jan of year 1) was a Monday
            mask &= np.isin((self.day - 1) % 7, sorted(selection.weekdays))
        magnitude = np.abs(self.amount)
        if selection.min_amount is not None:
            mask &= magnitude >= selection.min_amount
        if selection.max_amount is not None:
            mask &= magnitude <= selection.max_amount
        return mask

    def _merchant_ids(self, names: frozenset[str]) -> list[int]:
        lowered = {n.lower() for n in names}
        return [i for i, m in enumerate(self.merchants) if m in lowered]

    def _flows(self) -> npt.NDArray[np.bool_]:
        return ~np.isin(self.category, [int(c) for c in NOT_FLOWS])

    def _total(self, mask: npt.NDArray[np.bool_], sign: int) -> Total:
        minor: dict[str, int] = {}
        count = 0
        for index, currency in enumerate(self.currencies):
            chosen = self.amount[mask & (self.currency == index)]
            if not chosen.size:
                continue
            minor[currency] = sign * int(chosen.sum())
            count += int(np.count_nonzero(chosen * sign > 0))
        return Total(minor, count)

    # -- questions -----------------------------------------------------------------------
    def spending(self, selection: Selection) -> Total:
        """Money out, net of refunds in the same selection (category or merchant)."""
        mask = self.select(selection) & self._flows()
        if selection.categories is None and selection.merchants is None:
            mask &= self.category != int(Category.INCOME)
        return self._total(mask, -1)

    def income(self, selection: Selection) -> Total:
        """Money in (positive amounts), transfers between own accounts and card payments
        excluded. Without a merchant or category named, refunds of purchases (money back
        in a spending category) are not income: they already net against spending."""
        mask = self.select(selection) & self._flows() & (self.amount > 0)
        if selection.categories is None and selection.merchants is None:
            mask &= np.isin(self.category, [int(c) for c in INCOME_CATEGORIES])
        return self._total(mask, 1)

    def moved(self, selection: Selection, *, into: bool, naming: str | None = None) -> Total:
        """Money moved between the customer's own accounts and cards (the transfers or
        card payments ``selection`` names): what came into the accounts it names
        (``into``), else what went out, on lines whose name holds ``naming`` if given
        ("savings"). Each move counts once, on the side asked about."""
        mask = self.select(selection) & ((self.amount > 0) if into else (self.amount < 0))
        if naming is not None:
            ids = [i for i, name in enumerate(self.merchants) if naming in name]
            mask &= np.isin(self.merchant, ids)
        return self._total(mask, 1 if into else -1)

    def spending_by(self, selection: Selection, key: str, top: int = 5) -> list[tuple[str, int]]:
        """The biggest spending groups (``key`` = "category" or "merchant"), minor units
        in the main currency, largest first."""
        mask = self._main_currency_spending(selection)
        column = self.category if key == "category" else self.merchant
        groups: dict[int, int] = {}
        for value, amount in zip(column[mask].tolist(), self.amount[mask].tolist(), strict=True):
            groups[value] = groups.get(value, 0) - amount
        ranked = sorted(
            ((k, v) for k, v in groups.items() if v > 0), key=lambda kv: kv[1], reverse=True
        )[:top]
        if key == "category":
            return [(Category(k).slug, v) for k, v in ranked]
        return [(self.merchant_labels[k], v) for k, v in ranked]

    def monthly_spending(self, selection: Selection) -> list[tuple[str, int]]:
        """Spending per calendar month (yyyy-mm, minor units of the main currency)."""
        mask = self._main_currency_spending(selection)
        result: dict[str, int] = {}
        for ordinal, amount in zip(
            self.day[mask].tolist(), self.amount[mask].tolist(), strict=True
        ):
            month = date.fromordinal(ordinal).strftime("%Y-%m")
            result[month] = result.get(month, 0) - amount
        return sorted(result.items())

    def _main_currency_spending(self, selection: Selection) -> npt.NDArray[np.bool_]:
        """Spending rows of the selection in its main currency (charts mix none)."""
        mask = self.select(selection) & self._flows() & (self.category != int(Category.INCOME))
        currency = self._total(mask, -1).main_currency()
        if currency is None:
            return np.zeros(len(self), dtype=bool)
        chosen: npt.NDArray[np.bool_] = mask & (self.currency == self.currencies.index(currency))
        return chosen

    def merchant_names(self) -> list[str]:
        return list(self.merchants)


def _join(parts: Sequence[npt.NDArray[Any]], dtype: type[np.generic]) -> npt.NDArray[Any]:
    if not parts:
        return np.empty(0, dtype=dtype)
    return np.concatenate(parts).astype(dtype, copy=False)
