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

#: Distinct descriptors remembered per file (bounds memory use).
ENRICH_CACHE = 100_000

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
        self._cache: dict[tuple[str, str, str, str, str, str, int | bool], tuple[str, int]] = {}
        self._seen: dict[tuple[bytes, str, str, str, str, str, int | bool], tuple[str, int]] = {}
        self._exact = bool(categoriser.rules)
        self._rules_use_amounts = any(
            r.min_amount is not None or r.max_amount is not None for r in categoriser.rules
        )

    def of(self, item: PreparedTransaction) -> tuple[str, int]:
        """(merchant, category number) of one prepared transaction."""
        if self._exact:
            return self._of_collapsed(item)
        minor = item[4]
        seen_key = (  # the fields of _of_collapsed's key, the descriptor with digits as 0
            item[7].encode().translate(_DIGITS_AS_ZERO),
            item[8],
            item[9],
            item[10],
            item[12],
            item[13],
            minor > 0,  # no customer rules here, so no rule looks at amounts
        )
        found = self._seen.get(seen_key)
        if found is None:
            found = self._of_collapsed(item)
            if len(self._seen) >= ENRICH_CACHE:
                self._seen.clear()
            self._seen[seen_key] = found
        return found

    def _of_collapsed(self, item: PreparedTransaction) -> tuple[str, int]:
        minor = item[4]
        cache_key = (
            item[7] if self._exact else without_numbers(item[7]),
            item[8],
            item[9],
            item[10],
            item[12],
            item[13],
            minor if self._rules_use_amounts else minor > 0,
        )
        found = self._cache.get(cache_key)
        if found is None:
            found = self._categorise(item)
            if len(self._cache) >= ENRICH_CACHE:
                self._cache.clear()
            self._cache[cache_key] = found
        return found

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
