"""Typed records that format readers yield (the output of the "tree -> records" stage).

A reader yields, in file order: a :class:`ParsedAccount` before any balance or
transaction that refers to it (by ``account_key``), then :class:`ParsedBalance` and
:class:`ParsedTransaction` records, and a :class:`Problem` for each entry it could not
read (errors as values: one bad entry names itself instead of failing the statement).
A reader raises :class:`openteller.domain.errors.IngestError` only when the file as a
whole cannot be read (truncated, not this format, hostile).

Transactions and positions are plain (not frozen) dataclasses because readers build
millions of them and a frozen dataclass's constructor costs twice as much; treat them as
values all the same.

Amounts are signed Decimals from the account holder's point of view (negative = money
out), never floats. Full account identifiers are carried here only so that ingest can
fingerprint and mask them; they are never stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from openteller.domain.accounts import AccountType, BalanceKind
from openteller.domain.transactions import TransactionStatus


@dataclass(slots=True)
class Position:
    """Where in the file a record or problem comes from.

    ``line`` is 1-based when known; ``element`` names the XML/JSON/SGML path or the
    SWIFT tag (e.g. ``Stmt[1]/Ntry[3]``, ``$.Data.Transaction[2]``, ``:61:``);
    ``record`` is the 1-based index of the entry within the file when there is no line.
    """

    line: int | None = None
    element: str | None = None
    record: int | None = None

    def describe(self) -> str:
        """Human text such as ``line 12, element STMTTRN``."""
        parts: list[str] = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.element:
            parts.append(f"element {self.element}")
        if self.record is not None:
            parts.append(f"entry {self.record}")
        return ", ".join(parts) or "unknown position"


@dataclass(frozen=True, slots=True)
class ParsedAccount:
    """An account found in a file.

    ``key`` identifies it within the file (readers usually use the full identifier).
    ``identifier`` is the full account/card number or IBAN as the file gives it, used
    only to recognise the account again and to derive the last-4 mask.
    """

    key: str
    identifier: str
    account_type: AccountType
    currency: str
    display_name: str = ""
    institution: str = ""
    position: Position = field(default_factory=Position)


@dataclass(frozen=True, slots=True)
class ParsedBalance:
    """A balance statement: booked (ledger/closing) or available, at a time."""

    account_key: str
    kind: BalanceKind
    amount: Decimal
    currency: str
    as_of: datetime | date
    position: Position = field(default_factory=Position)


@dataclass(slots=True)
class ParsedTransaction:
    """One transaction as read from a file.

    ``bank_id`` is the bank's own unique id for the entry when the format has one
    (OFX FITID, camt AcctSvcrRef / NtryRef, Open Banking TransactionId, FDX
    transactionId, a CSV id column); ingest dedupes by it first and falls back to a
    content hash. ``description`` is the raw descriptor text (OFX NAME + MEMO, camt
    AddtlNtryInf / Ustrd, MT940 :86:); ``counterparty`` the other party's name when the
    format names it separately; ``merchant_hint`` a cleaner merchant name the format
    carries (Open Banking MerchantDetails.MerchantName, FDX merchant name); ``mcc`` the
    4-digit ISO 18245 code when present (OFX SIC, Open Banking MerchantCategoryCode).
    ``category_hint`` is the bank's own category text when a CSV export carries one.
    """

    account_key: str
    booking_date: date
    amount: Decimal
    currency: str
    status: TransactionStatus = TransactionStatus.BOOKED
    value_date: date | None = None
    bank_id: str = ""
    description: str = ""
    counterparty: str = ""
    reference: str = ""
    merchant_hint: str = ""
    mcc: str = ""
    category_hint: str = ""
    transaction_type: str = ""
    position: Position = field(default_factory=Position)


class Severity(StrEnum):
    """``error``: an entry could not be read (the file is rejected unless the caller asks
    to skip bad entries); ``warning``: something was ignored on purpose (e.g. an
    investment statement, an unsupported element)."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """Something a reader could not read, naming file, position and field."""

    source: str
    position: Position
    field: str
    message: str
    severity: Severity = Severity.ERROR

    def describe(self) -> str:
        """One line: ``file.ofx: line 12, element STMTTRN: TRNAMT: not an amount: '$120'``."""
        where = self.position.describe()
        what = f"{self.field}: " if self.field else ""
        return f"{self.source}: {where}: {what}{self.message}"


Record = ParsedAccount | ParsedBalance | ParsedTransaction | Problem
