"""The bank's real-time feed: one customer's new transactions or balances, as JSON.

A bank that streams instead of sending statement files posts (signed, see
``docs/alerts.md``) to ``POST /bank/v1/transactions`` or ``POST /bank/v1/balances``::

    {"customer": "alice",
     "account": {"id": "ACC-9", "type": "credit_card", "currency": "USD",
                 "name": "Visa Signature", "number": "4111111111116877"},
     "transactions": [{"id": "T-1", "time": "2026-11-30T12:03:00Z", "amount": "-42.10",
                       "description": "STARBUCKS #123", "merchant": "Starbucks",
                       "mcc": "5814", "terminal": "POS-889", "status": "booked"}],
     "balances": [{"kind": "available", "amount": "1200.00",
                   "as_of": "2026-11-30T12:03:00Z"}]}

``amount`` is signed from the customer's side (money out negative) and a string or a
number with its decimals, never a float; the currency is the account's unless an entry
names its own. ``number`` is used only to recognise the account and keep its last four
digits. ``time`` (ISO 8601, UTC when no offset) gives the booking date and, with
``terminal`` (else the merchant), feeds the risk scoring. Each bad entry is a problem
naming its place (``transactions[3].amount``); the whole post is then refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from openteller.domain.accounts import AccountType, BalanceKind, mask
from openteller.domain.errors import DomainError
from openteller.domain.money import check_currency
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.records import (
    ParsedAccount,
    ParsedBalance,
    ParsedTransaction,
    Position,
    Problem,
    Record,
)

MAX_ENTRIES = 5_000
_STATUSES = {"booked": TransactionStatus.BOOKED, "pending": TransactionStatus.PENDING}


class FeedInvalid(DomainError):
    """A feed body whose envelope (customer, account) is missing or wrong."""


@dataclass(frozen=True, slots=True)
class FeedTransaction:
    """What the risk scoring needs of a fed transaction, beside the stored record."""

    bank_id: str
    when: datetime
    terminal: str
    amount: Decimal
    merchant: str
    currency: str = ""
    card_last4: str = ""  # the account's last four digits (a card's, for a card account)


@dataclass(slots=True)
class Feed:
    customer: str
    records: list[Record] = field(default_factory=list)
    transactions: list[FeedTransaction] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _text(entry: dict[str, Any], name: str, where: str, *, required: bool = True) -> str:
    value = entry.get(name)
    if value is None and not required:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or (required and not value.strip()):
        raise FeedInvalid(f"{where}{name}: a non-empty string is required")
    return value.strip()[:500]


def _amount(entry: dict[str, Any], where: str) -> Decimal:
    value = entry.get("amount")
    if isinstance(value, float):
        raise FeedInvalid(f'{where}amount: send the amount as a string such as "-42.10"')
    try:
        amount = Decimal(str(value)) if isinstance(value, (str, int, Decimal)) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise FeedInvalid(f"{where}amount: a decimal number is required, not {value!r}")
    return amount


def _time(entry: dict[str, Any], name: str, where: str) -> datetime:
    raw = _text(entry, name, where)
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(raw), datetime.min.time())
        except ValueError:
            raise FeedInvalid(f"{where}{name}: an ISO 8601 time is required, not {raw!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _account(data: dict[str, Any]) -> ParsedAccount:
    account = data.get("account")
    if not isinstance(account, dict):
        raise FeedInvalid("account: an object with id, type and currency is required")
    key = _text(account, "id", "account.")
    kind = _text(account, "type", "account.", required=False) or "other"
    try:
        account_type = AccountType(kind.lower())
    except ValueError:
        names = ", ".join(t.value for t in AccountType)
        raise FeedInvalid(f"account.type: one of {names}, not {kind!r}") from None
    currency = check_currency(_text(account, "currency", "account.").upper())
    return ParsedAccount(
        key=key,
        identifier=_text(account, "number", "account.", required=False) or key,
        account_type=account_type,
        currency=currency,
        display_name=_text(account, "name", "account.", required=False),
        position=Position(element="account"),
    )


def _entries(data: dict[str, Any], name: str) -> list[Any]:
    entries = data.get(name, [])
    if not isinstance(entries, list):
        raise FeedInvalid(f"{name}: a list is required")
    if len(entries) > MAX_ENTRIES:
        raise FeedInvalid(f"{name}: at most {MAX_ENTRIES} entries per post")
    return entries


def parse_feed(data: Any, source: str = "feed") -> Feed:
    """The records of one feed post; raises :class:`FeedInvalid` for a bad envelope and
    lists a :class:`Problem` for each bad entry."""
    if not isinstance(data, dict):
        raise FeedInvalid("the body must be a JSON object")
    feed = Feed(customer=_text(data, "customer", ""))
    account = _account(data)
    feed.records.append(account)
    for index, entry in enumerate(_entries(data, "transactions")):
        where = f"transactions[{index}]."
        try:
            if not isinstance(entry, dict):
                raise FeedInvalid(f"{where[:-1]}: an object is required")
            feed.records.append(_transaction(feed, account, entry, where, index))
        except DomainError as exc:
            feed.problems.append(Problem(source, Position(element=where[:-1]), "", str(exc)))
    for index, entry in enumerate(_entries(data, "balances")):
        where = f"balances[{index}]."
        try:
            if not isinstance(entry, dict):
                raise FeedInvalid(f"{where[:-1]}: an object is required")
            feed.records.append(_balance(account, entry, where, index))
        except DomainError as exc:
            feed.problems.append(Problem(source, Position(element=where[:-1]), "", str(exc)))
    return feed


def _transaction(
    feed: Feed, account: ParsedAccount, entry: dict[str, Any], where: str, index: int
) -> ParsedTransaction:
    bank_id = _text(entry, "id", where)
    when = _time(entry, "time", where)
    amount = _amount(entry, where)
    currency = check_currency(
        _text(entry, "currency", where, required=False).upper() or account.currency
    )
    status_text = _text(entry, "status", where, required=False).lower() or "booked"
    if status_text not in _STATUSES:
        raise FeedInvalid(f"{where}status: booked or pending, not {status_text!r}")
    mcc = _text(entry, "mcc", where, required=False)
    if mcc and not (len(mcc) == 4 and mcc.isdigit()):
        raise FeedInvalid(f"{where}mcc: four digits (ISO 18245), not {mcc!r}")
    merchant = _text(entry, "merchant", where, required=False)
    description = _text(entry, "description", where, required=False) or merchant
    if not description:
        raise FeedInvalid(f"{where}description: a description or a merchant is required")
    feed.transactions.append(
        FeedTransaction(
            bank_id=bank_id,
            when=when.astimezone(UTC),
            terminal=_text(entry, "terminal", where, required=False) or merchant or description,
            amount=amount,
            merchant=merchant or description,
            currency=currency,
            card_last4=mask(account.identifier),
        )
    )
    return ParsedTransaction(
        account_key=account.key,
        booking_date=when.date(),
        amount=amount,
        currency=currency,
        status=_STATUSES[status_text],
        bank_id=bank_id,
        description=description,
        merchant_hint=merchant,
        mcc=mcc,
        position=Position(element=where[:-1], record=index + 1),
    )


def _balance(
    account: ParsedAccount, entry: dict[str, Any], where: str, index: int
) -> ParsedBalance:
    kind = _text(entry, "kind", where).lower()
    try:
        balance_kind = BalanceKind(kind)
    except ValueError:
        raise FeedInvalid(f"{where}kind: booked or available, not {kind!r}") from None
    return ParsedBalance(
        account_key=account.key,
        kind=balance_kind,
        amount=_amount(entry, where),
        currency=check_currency(
            _text(entry, "currency", where, required=False).upper() or account.currency
        ),
        as_of=_time(entry, "as_of", where),
        position=Position(element=where[:-1], record=index + 1),
    )
