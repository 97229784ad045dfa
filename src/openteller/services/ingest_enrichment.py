"""What ingest does to each transaction before storage, with no database in sight.

Two stages. ``prepare``: the currency is checked, the amount turned into minor units and
the text sanitised (card numbers masked, CVVs dropped); it needs nothing but the record,
so for a large file it runs beside the reader in a second process (``ingest_pipeline``).
``MerchantsAndCategories``: the merchant is normalised and the entry categorised under
the customer's rules, remembered per descriptor; it runs where the rows are stored. The
split puts about half of the per-row work on each side of the pipe.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

from openteller.categorise.categoriser import Categoriser
from openteller.categorise.merchants import normalise_merchant, without_numbers
from openteller.domain.card_numbers import sanitise
from openteller.domain.errors import DomainError, InvalidCurrency
from openteller.domain.money import Money, check_currency, to_minor
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.records import (
    ParsedAccount,
    ParsedBalance,
    ParsedTransaction,
    Problem,
    Record,
)

#: Merchant and category answers remembered per file (bounds memory use): up to two
#: per distinct descriptor (see :class:`MerchantsAndCategories`).
ENRICH_CACHE = 200_000

#: Every ASCII digit to ``0``, on UTF-8 bytes (several times faster than a regular
#: expression collapsing digit runs, and multi-byte characters never hold such bytes).
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")

#: A transaction checked and sanitised, ready to be categorised and stored: account key,
#: bank id, booking day, value day (0 for none), amount in minor units, currency,
#: pending, description, counterparty, merchant hint, MCC, reference, transaction type,
#: category hint. A plain tuple, with days as ordinals (``date.toordinal``): a named
#: tuple, or date objects, cost several times as much to build and to send to another
#: process.
PreparedTransaction = tuple[str, str, int, int, int, str, bool, str, str, str, str, str, str, str]


#: A prepared transaction with its merchant and category number appended (categorised
#: where it was prepared; see ``ingest_pipeline``).
CategorisedTransaction = tuple[
    str, str, int, int, int, str, bool, str, str, str, str, str, str, str, str, int
]


class UnusableTransaction(NamedTuple):
    """A transaction the file holds but that breaks a rule (its problem says which)."""

    problem: Problem


#: What preparation hands on to storage, in file order.
Item = (
    PreparedTransaction
    | CategorisedTransaction
    | UnusableTransaction
    | ParsedAccount
    | ParsedBalance
    | Problem
)


def prepared_items(records: Iterable[Record], source: str) -> Iterator[Item]:
    """``records`` in file order, each transaction prepared or marked unusable."""
    for record in records:
        if isinstance(record, ParsedTransaction):
            try:
                yield prepare(record)
            except DomainError as exc:
                yield UnusableTransaction(
                    Problem(source, record.position, problem_field(exc), str(exc))
                )
        else:
            yield record


def problem_field(exc: DomainError) -> str:
    """The field a record's domain error is about: its currency or its amount."""
    return "currency" if isinstance(exc, InvalidCurrency) else "amount"


def prepare(record: ParsedTransaction) -> PreparedTransaction:
    """One transaction checked and sanitised; :class:`DomainError` for a bad currency
    or amount."""
    currency = check_currency(record.currency)
    return (
        record.account_key,
        record.bank_id,
        record.booking_date.toordinal(),
        record.value_date.toordinal() if record.value_date else 0,
        to_minor(record.amount, currency),
        currency,
        record.status is TransactionStatus.PENDING,
        sanitise(record.description),
        sanitise(record.counterparty) if record.counterparty else "",
        sanitise(record.merchant_hint) if record.merchant_hint else "",
        record.mcc,
        sanitise(record.reference) if record.reference else "",
        record.transaction_type,
        record.category_hint,
    )


#: What a merchant and category answer is remembered by: descriptor, counterparty,
#: merchant hint, MCC, transaction type, category hint, and amount (or its sign).
_Key = tuple[str | bytes, str, str, str, str, str, int | bool]


class MerchantsAndCategories:
    """Merchant and category of the prepared transactions of one file, for one customer
    (their rules first).

    The same descriptor recurs many times in a statement (a daily coffee, a monthly
    bill), so merchant and category are remembered for the file, keyed by everything
    they depend on: the descriptor with its digits collapsed (merchant cleaning and
    categorisation ignore digits; customer rules may not, so with rules the exact text),
    and the amount only when a customer rule looks at amounts.

    Collapsing digit runs costs about a microsecond, so it is done only for a descriptor
    not seen before in a cheaper form, every digit turned into ``0``: "STORE 12" and
    "STORE 34" share that first key, "STORE 123" then finds "STORE 12"'s result under
    the collapsed one.
    """

    def __init__(self, categoriser: Categoriser) -> None:
        self.categoriser = categoriser
        #: Keyed by the descriptor in one of its forms (bytes: every digit as 0; text:
        #: digit runs collapsed, or exact under customer rules) and the other fields.
        self._remembered: dict[_Key, tuple[str, int]] = {}
        self._exact = bool(categoriser.rules)
        self._rules_use_amounts = any(
            r.min_amount is not None or r.max_amount is not None for r in categoriser.rules
        )

    def of(self, item: PreparedTransaction) -> tuple[str, int]:
        """(merchant, category number) of one prepared transaction."""
        if self._exact:
            return self._looked_up(self._key(item, item[7]), item)
        digits_as_zero = self._key(item, item[7].encode().translate(_DIGITS_AS_ZERO))
        found = self._remembered.get(digits_as_zero)
        if found is None:
            found = self._looked_up(self._key(item, without_numbers(item[7])), item)
            self._remember(digits_as_zero, found)
        return found

    def _key(self, item: PreparedTransaction, descriptor: str | bytes) -> _Key:
        minor = item[4]
        amount = minor if self._rules_use_amounts else minor > 0
        return (descriptor, item[8], item[9], item[10], item[12], item[13], amount)

    def _looked_up(self, key: _Key, item: PreparedTransaction) -> tuple[str, int]:
        found = self._remembered.get(key)
        if found is None:
            found = self._categorise(item)
            self._remember(key, found)
        return found

    def _remember(self, key: _Key, found: tuple[str, int]) -> None:
        if len(self._remembered) >= ENRICH_CACHE:
            self._remembered.clear()
        self._remembered[key] = found

    def _categorise(self, item: PreparedTransaction) -> tuple[str, int]:
        (_, _, _, _, minor, currency, _, description, counterparty, hint, mcc, _, kind, bank) = item
        merchant = normalise_merchant(description, counterparty, hint)
        category = self.categoriser.categorise(
            merchant=merchant,
            description=description,
            amount=Money.from_minor(minor, currency).amount,
            mcc=mcc,
            counterparty=counterparty,
            transaction_type=kind,
            category_hint=bank,
        )
        return merchant, int(category)
