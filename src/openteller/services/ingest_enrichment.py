"""What ingest does to each transaction before storage, with no database in sight.

Per transaction: the currency is checked and the amount turned into minor units, text is
sanitised (card numbers masked, CVVs dropped), the merchant is normalised and the entry
categorised. None of it needs the database, so it can run beside the reader in another
process (``ingest_pipeline``) while the ingest's own process stores the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import NamedTuple

from openteller.categorise.categoriser import Categoriser
from openteller.categorise.merchants import normalise_merchant, without_numbers
from openteller.domain.card_numbers import sanitise
from openteller.domain.errors import DomainError, InvalidCurrency
from openteller.domain.money import check_currency, to_minor
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


#: A transaction ready for storage: the file's account key and the bank's own id, then
#: the fields of a ``LedgerRow`` from ``booking_date`` on (booking date, value date, amount
#: in minor units, currency, category, pending, description, merchant, MCC, counterparty,
#: reference, transaction type, category hint). A plain tuple: a named one costs several
#: times as much to build, and to send to another process.
EnrichedTransaction = tuple[
    str, str, date, date | None, int, str, int, bool, str, str, str, str, str, str, str
]


class UnusableTransaction(NamedTuple):
    """A transaction the file holds but that breaks a rule (its problem says which)."""

    problem: Problem


#: What enrichment hands on to storage, in file order.
Item = EnrichedTransaction | UnusableTransaction | ParsedAccount | ParsedBalance | Problem


class Enricher:
    """Enriches the transactions of one file for one customer (their rules first).

    The same descriptor recurs many times in a statement (a daily coffee, a monthly
    bill), so merchant and category are remembered for the file, keyed by everything
    they depend on: the descriptor with its digits collapsed (merchant cleaning and
    categorisation ignore digits; customer rules may not, so with rules the exact text),
    and the amount only when a customer rule looks at amounts. The sanitised texts
    themselves are always computed from each entry's own text.
    """

    def __init__(self, categoriser: Categoriser) -> None:
        self.categoriser = categoriser
        self._cache: dict[tuple[str, str, str, str, str, str, int | bool], tuple[str, int]] = {}
        self._rules_use_amounts = any(
            r.min_amount is not None or r.max_amount is not None for r in categoriser.rules
        )

    def items(self, records: Iterable[Record], source: str) -> Iterator[Item]:
        """``records`` in file order, each transaction enriched or marked unusable."""
        enrich = self.enrich
        for record in records:
            if isinstance(record, ParsedTransaction):
                try:
                    yield enrich(record)
                except DomainError as exc:
                    field = "currency" if isinstance(exc, InvalidCurrency) else "amount"
                    yield UnusableTransaction(Problem(source, record.position, field, str(exc)))
            else:
                yield record

    def enrich(self, record: ParsedTransaction) -> EnrichedTransaction:
        """One transaction, enriched; :class:`DomainError` for a bad currency or amount."""
        currency = check_currency(record.currency)
        minor = to_minor(record.amount, currency)
        cache_key = (
            record.description if self.categoriser.rules else without_numbers(record.description),
            record.counterparty,
            record.merchant_hint,
            record.mcc,
            record.transaction_type,
            record.category_hint,
            minor if self._rules_use_amounts else minor > 0,
        )
        description = sanitise(record.description)
        counterparty = sanitise(record.counterparty) if record.counterparty else ""
        cached = self._cache.get(cache_key)
        if cached is None:
            cached = self._categorise(record, description, counterparty)
            if len(self._cache) >= ENRICH_CACHE:
                self._cache.clear()
            self._cache[cache_key] = cached
        return (
            record.account_key,
            record.bank_id,
            record.booking_date,
            record.value_date,
            minor,
            currency,
            cached[1],
            record.status is TransactionStatus.PENDING,
            description,
            cached[0],
            record.mcc,
            counterparty,
            sanitise(record.reference) if record.reference else "",
            record.transaction_type,
            record.category_hint,
        )

    def _categorise(
        self, record: ParsedTransaction, description: str, counterparty: str
    ) -> tuple[str, int]:
        merchant = normalise_merchant(description, counterparty, sanitise(record.merchant_hint))
        category = self.categoriser.categorise(
            merchant=merchant,
            description=description,
            amount=record.amount,
            mcc=record.mcc,
            counterparty=counterparty,
            transaction_type=record.transaction_type,
            category_hint=record.category_hint,
        )
        return merchant, int(category)
