"""CSV rows -> typed records (the "tree -> records" stage of the CSV reader).

:class:`Layout` is a :class:`~openteller.ingest.csv_mapping.ColumnMapping` resolved
against one file: column indices, the compiled date and amount parsers, the account and
currency fallbacks. :func:`convert` then turns each row into a
:class:`~openteller.ingest.records.ParsedTransaction` (or a
:class:`~openteller.ingest.records.Problem` naming line, column and value), yields a
:class:`~openteller.ingest.records.ParsedAccount` before the first transaction of each
account, and at the end one booked :class:`~openteller.ingest.records.ParsedBalance` per
account and currency from the balance column: the newest row's (the first row of a
newest-first export, the last row otherwise).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Protocol

from openteller.domain.accounts import AccountType, BalanceKind
from openteller.domain.errors import IngestError, InvalidAmount, InvalidCurrency
from openteller.domain.money import check_currency
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.csv_values import AmountParser, DateParser
from openteller.ingest.records import (
    ParsedAccount,
    ParsedBalance,
    ParsedTransaction,
    Position,
    Problem,
    Record,
    Severity,
)

_PENDING_WORDS = ("pending", "vorgemerkt", "in behandeling", "en cours", "authori")


@dataclass(slots=True)
class Layout:
    """A mapping resolved against one file (indices are 0-based; -1 = not mapped)."""

    names: list[str]
    date: int
    amount: int
    debit: int
    credit: int
    direction: int
    debit_words: frozenset[str]
    credit_words: frozenset[str]
    inverted: bool
    description: tuple[int, ...]
    value_date: int
    counterparty: int
    bank_id: int
    reference: int
    currency: int
    balance: int
    category: int
    account: int
    transaction_type: int
    status: int
    parse_date: DateParser
    date_format: str
    parse_amount: AmountParser
    fallback_currency: str
    default_account: str
    default_identifier: str
    account_type: AccountType
    institution: str
    continuation_rows: bool
    preamble_balance: str
    data_start: int

    @property
    def width(self) -> int:
        """Cells a row needs to hold every mapped column."""
        return 1 + max(
            self.date, self.amount, self.debit, self.credit, self.direction, self.value_date,
            self.counterparty, self.bank_id, self.reference, self.currency, self.balance,
            self.category, self.account, self.transaction_type, self.status,
            *self.description,
        )  # fmt: skip

    def name(self, index: int) -> str:
        """The header name of a column, or ``column N`` (1-based) without a header."""
        if 0 <= index < len(self.names) and self.names[index].strip():
            return self.names[index].strip()
        return f"column {index + 1}"


class _LineCounter(Protocol):
    """What :func:`convert` needs of a :mod:`csv` reader: its physical line count."""

    @property
    def line_num(self) -> int: ...


class _RowError(Exception):
    def __init__(self, column: int, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _amount(layout: Layout, row: list[str]) -> Decimal:
    parse = layout.parse_amount
    if layout.amount >= 0:
        text = row[layout.amount]
        if not text.strip():
            raise _RowError(layout.amount, "empty amount")
        try:
            value = parse(text)
        except InvalidAmount:
            raise _RowError(layout.amount, f"not an amount: {text!r}") from None
        if layout.direction >= 0:
            word = row[layout.direction].strip().casefold()
            if word in layout.debit_words:
                return -abs(value)
            if word in layout.credit_words:
                return abs(value)
            raise _RowError(layout.direction, f"not a debit/credit indicator: {word!r}")
        return -value if layout.inverted else value
    total = Decimal(0)
    found = False
    for index, sign in ((layout.credit, 1), (layout.debit, -1)):
        if index < 0:
            continue
        text = row[index].strip()
        if not text:
            continue
        try:
            value = abs(parse(text))
        except InvalidAmount:
            raise _RowError(index, f"not an amount: {text!r}") from None
        found = True
        total += value if sign > 0 else -value
    if not found:
        raise _RowError(max(layout.debit, layout.credit), "no amount in the debit or credit column")
    return total


def _text(row: list[str], indices: tuple[int, ...]) -> str:
    if len(indices) == 1:
        return row[indices[0]].strip()
    return " ".join(part for part in (row[i].strip() for i in indices) if part)


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index >= 0 else ""


_BALANCE_LINE = re.compile(
    r"(?i)\b(?:beginning|opening|starting|ending|closing|previous|new)\s+balance\b"
    r"|\b(?:anfangssaldo|endsaldo|saldo|solde|kontostand)\b"
)


def _amount_cells(layout: Layout) -> tuple[int, ...]:
    """The mapped columns that can hold a row's amount."""
    return tuple(index for index in (layout.amount, layout.debit, layout.credit) if index >= 0)


def _is_amountless(cells: tuple[int, ...], row: list[str]) -> bool:
    """Whether every amount cell of ``row`` is missing or blank (a loop, not ``all()``
    over a generator: it runs once per row, and the first cell usually decides)."""
    for index in cells:  # noqa: SIM110 - see above
        if index < len(row) and row[index].strip():
            return False
    return True


def convert(
    reader: Iterator[list[str]], line_of: _LineCounter, layout: Layout, source: str
) -> Iterator[Record]:
    """Records for every data row of ``reader`` (rows before ``layout.data_start`` skipped).

    ``line_of`` is the :mod:`csv` reader (its ``line_num`` gives line numbers).
    """
    width = layout.width
    amount_cells = _amount_cells(layout)
    parse_date = layout.parse_date
    di, desc, cur_i = layout.date, layout.description, layout.currency
    bal_i, acct_i = layout.balance, layout.account
    fallback_currency = layout.fallback_currency
    valid_currencies: set[str] = set()
    seen_accounts: set[str] = set()
    account = layout.default_account
    last_account = account
    balances: dict[tuple[str, str], list[tuple[date, str, int]]] = {}
    newest: date | None = None
    pending: ParsedTransaction | None = None
    last_line = 0
    index = -1
    try:
        for row in reader:
            index += 1
            line = last_line + 1
            last_line = line_of.line_num
            if index < layout.data_start:
                continue
            if len(row) < width or not row[di].strip():
                if not any(cell.strip() for cell in row):
                    continue
                if (di >= len(row) or not row[di].strip()) and _is_amountless(amount_cells, row):
                    text = " ".join(cell.strip() for cell in row if cell.strip())
                    if layout.continuation_rows and pending is not None:
                        joined = f"{pending.description} {text}".strip()
                        pending = replace(pending, description=joined)
                        continue
                    yield Problem(
                        source, Position(line=line), "row",
                        f"no date and no amount, skipped: {text[:80]!r}", Severity.WARNING,
                    )  # fmt: skip
                elif len(row) < width:
                    yield Problem(
                        source, Position(line=line), "row",
                        f"expected at least {width} columns, found {len(row)}",
                    )  # fmt: skip
                else:
                    yield Problem(source, Position(line=line), layout.name(di), "empty date")
                continue
            if _is_amountless(amount_cells, row) and _BALANCE_LINE.search(" ".join(row)):
                # "Beginning balance as of 11/01/2026": the bank's running total, no payment
                text = " ".join(cell.strip() for cell in row if cell.strip())
                yield Problem(
                    source, Position(line=line), "row",
                    f"a balance line, not a transaction, skipped: {text[:80]!r}", Severity.WARNING,
                )  # fmt: skip
                continue
            try:
                text = row[di]
                try:
                    booked = parse_date(text)
                except ValueError:
                    raise _RowError(
                        di, f"not a date in format {layout.date_format}: {text!r}"
                    ) from None
                amount = _amount(layout, row)
                value_date = None
                if layout.value_date >= 0 and row[layout.value_date].strip():
                    text = row[layout.value_date]
                    try:
                        value_date = parse_date(text)
                    except ValueError:
                        raise _RowError(layout.value_date, f"not a date: {text!r}") from None
                currency = fallback_currency
                if cur_i >= 0:
                    currency = row[cur_i].strip().upper() or fallback_currency
                    if currency not in valid_currencies:
                        if not currency:
                            raise _RowError(cur_i, "empty currency and no default currency")
                        try:
                            check_currency(currency)
                        except InvalidCurrency as exc:
                            raise _RowError(cur_i, str(exc)) from None
                        valid_currencies.add(currency)
            except _RowError as exc:
                yield Problem(source, Position(line=line), layout.name(exc.column), exc.message)
                continue
            if acct_i >= 0:
                account = row[acct_i].strip() or last_account
                last_account = account
            if account not in seen_accounts:
                seen_accounts.add(account)
                identifier = (
                    layout.default_identifier if account == layout.default_account else account
                )
                yield ParsedAccount(
                    key=account, identifier=identifier, account_type=layout.account_type,
                    currency=currency, institution=layout.institution,
                    position=Position(line=line),
                )  # fmt: skip
            status = TransactionStatus.BOOKED
            if layout.status >= 0:
                flag = row[layout.status].casefold()
                if any(word in flag for word in _PENDING_WORDS):
                    status = TransactionStatus.PENDING
            description = _text(row, desc) if desc else ""
            counterparty = _cell(row, layout.counterparty)
            record = ParsedTransaction(
                account_key=account,
                booking_date=booked,
                amount=amount,
                currency=currency,
                status=status,
                value_date=value_date,
                bank_id=_cell(row, layout.bank_id),
                description=description or counterparty,
                counterparty=counterparty,
                reference=_cell(row, layout.reference),
                category_hint=_cell(row, layout.category),
                transaction_type=_cell(row, layout.transaction_type),
                position=Position(line=line),
            )
            if newest is None or booked > newest:
                newest = booked
            if bal_i >= 0:
                text = row[bal_i].strip()
                if text:
                    seen = balances.get((account, currency))
                    if seen is None:
                        balances[(account, currency)] = [(booked, text, line), (booked, text, line)]
                    else:
                        seen[1] = (booked, text, line)
            if layout.continuation_rows:
                if pending is not None:
                    yield pending
                pending = record
            else:
                yield record
    except csv.Error as exc:
        raise IngestError(f"{source}: line {last_line + 1}: row: {exc}") from exc
    if pending is not None:
        yield pending
    yield from _balances(layout, balances, source)
    if layout.preamble_balance and newest is not None and layout.default_account in seen_accounts:
        try:
            amount = layout.parse_amount(layout.preamble_balance)
        except InvalidAmount:
            yield Problem(
                source, Position(line=1), "preamble balance",
                f"not an amount: {layout.preamble_balance!r}",
            )  # fmt: skip
        else:
            yield ParsedBalance(
                account_key=layout.default_account, kind=BalanceKind.BOOKED, amount=amount,
                currency=fallback_currency, as_of=newest, position=Position(line=1),
            )  # fmt: skip


def _balances(
    layout: Layout, balances: dict[tuple[str, str], list[tuple[date, str, int]]], source: str
) -> Iterator[Record]:
    for (account, currency), ((first_date, first_text, first_line), last) in balances.items():
        last_date, last_text, last_line = last
        # newest-first export: the first row carries the current balance
        when, text, line = (
            (first_date, first_text, first_line)
            if last_date < first_date
            else (last_date, last_text, last_line)
        )
        try:
            amount = layout.parse_amount(text)
        except InvalidAmount:
            yield Problem(
                source, Position(line=line), layout.name(layout.balance),
                f"not an amount: {text!r}",
            )  # fmt: skip
            continue
        yield ParsedBalance(
            account_key=account, kind=BalanceKind.BOOKED, amount=amount, currency=currency,
            as_of=when, position=Position(line=line),
        )  # fmt: skip
