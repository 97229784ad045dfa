"""Transactions as OpenTeller keeps them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from openteller.domain.categories import Category
from openteller.domain.money import Money


class TransactionStatus(StrEnum):
    """Pending (authorised, not yet booked) or booked."""

    PENDING = "pending"
    BOOKED = "booked"


@dataclass(frozen=True, slots=True)
class Transaction:
    """One movement of money on an account.

    ``amount`` is signed from the account holder's view: negative is money going out.
    ``id`` is stable: the same bank transaction always gets the same id.
    """

    id: str
    account_id: str
    booking_date: date
    value_date: date | None
    amount: Money
    status: TransactionStatus
    description: str
    merchant: str
    mcc: str | None
    category: Category
    counterparty: str
    bank_reference: str
