"""Accounts and balances.

Only the last four digits of any account or card number are ever kept (:func:`mask`);
the full identifier is used at ingest time to recognise the same account again (through
a keyed fingerprint computed outside the domain) and then forgotten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from openteller.domain.money import Money


class AccountType(StrEnum):
    """The kinds of account the assistant distinguishes."""

    CHECKING = "checking"
    SAVINGS = "savings"
    CREDIT_CARD = "credit_card"
    LOAN = "loan"
    OTHER = "other"


class BalanceKind(StrEnum):
    """Booked (ledger) or available balance (OFX LEDGERBAL/AVAILBAL, camt CLBD/ITAV...)."""

    BOOKED = "booked"
    AVAILABLE = "available"


_ALNUM = re.compile(r"[A-Za-z0-9]")


def mask(identifier: str | None) -> str:
    """The last four alphanumeric characters of an account or card identifier, or nothing
    when they hold no digit (a name such as "wells_fargo" is no number to show).

    >>> mask("NL91 ABNA 0417 1643 00")
    '4300'
    >>> mask("4111-1111-1111-1111")
    '1111'
    >>> mask("revolut")
    ''
    """
    if not identifier:
        return ""
    last = "".join(_ALNUM.findall(identifier)[-4:])
    return last if any(c.isdigit() for c in last) else ""


@dataclass(frozen=True, slots=True)
class Account:
    """A customer's account as OpenTeller keeps it (never a full number)."""

    id: str
    customer_id: str
    type: AccountType
    currency: str
    display_name: str
    mask: str

    def label(self) -> str:
        """How the account is named to the customer, e.g. ``Checking ••1234``."""
        return f"{self.display_name} ••{self.mask}" if self.mask else self.display_name


@dataclass(frozen=True, slots=True)
class Balance:
    """A balance of an account at a point in time."""

    account_id: str
    kind: BalanceKind
    amount: Money
    as_of: datetime
