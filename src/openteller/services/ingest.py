"""The ingest use case: a bank file in, encrypted ledger blocks out, in one transaction.

Stages per file: detect the format (unless given) -> the reader streams typed records ->
text is sanitised (card numbers masked, CVVs dropped) -> merchant normalised and
categorised -> dedupe key and stable id -> rows buffered per account-month and merged
into the encrypted blocks. Any reader error, or any bad entry unless ``skip_bad``, rolls
the whole file back: nothing is half-written.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Connection, Engine

from openteller.categorise.categoriser import Categoriser, CustomerRule
from openteller.categorise.merchants import normalise_merchant, without_numbers
from openteller.domain.accounts import mask
from openteller.domain.card_numbers import sanitise
from openteller.domain.errors import DomainError, IngestError, InvalidCurrency
from openteller.domain.money import Money, check_currency, to_minor
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.base import SNIFF_BYTES, FormatReader
from openteller.ingest.dedupe import DedupeKeys
from openteller.ingest.records import (
    ParsedAccount,
    ParsedBalance,
    ParsedTransaction,
    Problem,
    Record,
    Severity,
)
from openteller.ingest.registry import detect
from openteller.store.ledger_codec import LedgerRow
from openteller.store.repository import (
    CustomerBeingErased,
    CustomerHandle,
    LedgerStore,
    month_of,
)

#: Rows buffered in memory before they are merged into blocks (bounds memory use).
FLUSH_ROWS = 20_000
#: Distinct descriptors remembered per file (bounds memory use).
ENRICH_CACHE = 100_000

ProgressCallback = Callable[[int], None]


class IngestRejected(IngestError):
    """A file with bad entries, rejected whole (nothing was written)."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        errors = [p for p in problems if p.severity is Severity.ERROR]
        shown = "; ".join(p.describe() for p in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(
            f"{source}: {len(errors)} bad entr{'y' if len(errors) == 1 else 'ies'}, "
            f"nothing was written: {shown}{more}. Fix the file, or pass --skip-bad to "
            "ingest the good entries only"
        )
        self.problems = problems


@dataclass(slots=True)
class FileReport:
    """What happened to one file."""

    path: str
    format: str = ""
    status: str = "ok"  # ok | rejected | failed
    error: str = ""
    accounts: int = 0
    accounts_created: int = 0
    transactions_read: int = 0
    transactions_added: int = 0
    duplicates_skipped: int = 0
    balances: int = 0
    problems: list[Problem] = field(default_factory=list)
    account_ids: set[str] = field(default_factory=set)


class _FileIngest:
    """State of one file's ingest inside one database transaction."""

    def __init__(
        self,
        conn: Connection,
        store: LedgerStore,
        customer: CustomerHandle,
        categoriser: Categoriser,
        report: FileReport,
    ) -> None:
        self.conn = conn
        self.store = store
        self.customer = customer
        self.categoriser = categoriser
        self.report = report
        self.accounts: dict[str, tuple[str, str]] = {}  # file key -> (account id, currency)
        self.buffer: dict[tuple[str, int], list[LedgerRow]] = {}
        self.buffered = 0
        self.keys = DedupeKeys()
        self.enriched: dict[tuple[str, str, str, str, str, str, int | bool], tuple[str, int]] = {}
        self.rules_use_amounts = any(
            r.min_amount is not None or r.max_amount is not None for r in categoriser.rules
        )

    def account(self, record: ParsedAccount) -> None:
        if record.key in self.accounts:
            return
        currency = check_currency(record.currency)
        account_id, created = self.store.get_or_create_account(
            self.conn,
            self.customer,
            identifier=record.identifier or record.key,
            account_type=record.account_type,
            currency=currency,
            display_name=sanitise(record.display_name)
            or record.account_type.value.replace("_", " ").capitalize(),
            mask=mask(record.identifier or record.key),
            institution=record.institution,
        )
        self.accounts[record.key] = (account_id, currency)
        self.report.accounts += 1
        self.report.accounts_created += int(created)
        self.report.account_ids.add(account_id)

    def _account_id(self, key: str, what: str) -> str:
        try:
            return self.accounts[key][0]
        except KeyError as exc:
            raise IngestError(
                f"{self.report.path}: {what} refers to account {key!r} that the file never "
                "declared (reader bug)"
            ) from exc

    def balance(self, record: ParsedBalance) -> None:
        account_id = self._account_id(record.account_key, "a balance")
        added = self.store.put_balance(
            self.conn,
            self.customer,
            account_id,
            record.kind,
            Money(record.amount, record.currency),
            record.as_of,
        )
        del added  # an unchanged re-statement of a balance still counts as read
        self.report.balances += 1

    def transaction(self, record: ParsedTransaction) -> None:
        account_id = self._account_id(record.account_key, "a transaction")
        self.report.transactions_read += 1
        currency = check_currency(record.currency)
        minor = to_minor(record.amount, currency)
        description, counterparty, merchant, category = self._enrich(record, minor)
        key = self.keys.key(
            account=account_id,
            bank_id=record.bank_id,
            booking_date=record.booking_date,
            amount_minor=minor,
            currency=currency,
            description=description,
        )
        row = LedgerRow(  # positional: this runs once per transaction
            "",  # id: derived from the key when read (LedgerStore.iter_rows), not stored
            key,
            record.booking_date,
            record.value_date,
            minor,
            currency,
            category,
            record.status is TransactionStatus.PENDING,
            description,
            merchant,
            record.mcc,
            counterparty,
            sanitise(record.reference) if record.reference else "",
            record.transaction_type,
            record.category_hint,
        )
        self.buffer.setdefault((account_id, month_of(record.booking_date)), []).append(row)
        self.buffered += 1
        if self.buffered >= FLUSH_ROWS:
            self.flush()

    def _enrich(self, record: ParsedTransaction, minor: int) -> tuple[str, str, str, int]:
        """Sanitised description and counterparty, merchant and category of an entry.

        The same descriptor recurs many times in a statement (a daily coffee, a monthly
        bill), so merchant and category are remembered for the file, keyed by everything
        they depend on: the descriptor with its digits collapsed (merchant cleaning and
        categorisation ignore digits; customer rules may not, so with rules the exact
        text), and the amount only when a customer rule looks at amounts. The sanitised
        texts themselves are always computed from this entry's own text.
        """
        cache_key = (
            record.description if self.categoriser.rules else without_numbers(record.description),
            record.counterparty,
            record.merchant_hint,
            record.mcc,
            record.transaction_type,
            record.category_hint,
            minor if self.rules_use_amounts else minor > 0,
        )
        description = sanitise(record.description)
        counterparty = sanitise(record.counterparty) if record.counterparty else ""
        cached = self.enriched.get(cache_key)
        if cached is not None:
            return description, counterparty, cached[0], cached[1]
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
        if len(self.enriched) >= ENRICH_CACHE:
            self.enriched.clear()
        self.enriched[cache_key] = (merchant, int(category))
        return description, counterparty, merchant, int(category)

    def flush(self) -> None:
        added, duplicates = self.store.merge_batches(self.conn, self.customer, self.buffer)
        self.report.transactions_added += added
        self.report.duplicates_skipped += duplicates
        self.buffer.clear()
        self.buffered = 0


class IngestService:
    """Ingests bank files for customers of one bank."""

    def __init__(self, engine: Engine, store: LedgerStore) -> None:
        self.engine = engine
        self.store = store

    def ingest_file(
        self,
        path: Path,
        customer_external_id: str,
        readers: dict[str, FormatReader],
        *,
        format_name: str | None = None,
        skip_bad: bool = False,
        rules: list[CustomerRule] | None = None,
        progress: ProgressCallback | None = None,
    ) -> FileReport:
        """Ingest one file in one database transaction; never raises for bad input,
        the report says what went wrong (status ``rejected`` or ``failed``)."""
        report = FileReport(path=str(path))
        try:
            with path.open("rb") as handle:
                reader = self._choose_reader(handle, path, readers, format_name)
                report.format = reader.name
                with self.engine.begin() as conn:
                    self.store.ensure_bank(conn)
                    customer = self.store.get_or_create_customer(conn, customer_external_id)
                    if rules is None:
                        rules = [
                            CustomerRule.from_dict(data)
                            for _number, data in self.store.list_rules(conn, customer)
                        ]
                    categoriser = Categoriser(rules)
                    state = _FileIngest(conn, self.store, customer, categoriser, report)
                    self._consume_without_gc(reader, handle, path, state, progress)
                    errors = [p for p in report.problems if p.severity is Severity.ERROR]
                    if errors and not skip_bad:
                        raise IngestRejected(path.name, report.problems)
        except IngestRejected as exc:
            self._reset(report, "rejected", str(exc))
        except (IngestError, CustomerBeingErased) as exc:
            self._reset(report, "failed", str(exc))
        except OSError as exc:
            self._reset(report, "failed", f"{path}: cannot read the file: {exc.strerror or exc}")
        return report

    def ingest_records(
        self, records: Iterable[Record], source: str, customer_external_id: str
    ) -> FileReport:
        """Ingest records already read (the bank's real-time feed) in one database
        transaction: all of them, or, when any is bad, none (status ``rejected``)."""
        report = FileReport(path=source, format="feed")
        try:
            with self.engine.begin() as conn:
                self.store.ensure_bank(conn)
                customer = self.store.get_or_create_customer(conn, customer_external_id)
                rules = [
                    CustomerRule.from_dict(data)
                    for _number, data in self.store.list_rules(conn, customer)
                ]
                state = _FileIngest(conn, self.store, customer, Categoriser(rules), report)
                for record in records:
                    _apply(state, record, source)
                state.flush()
                if any(p.severity is Severity.ERROR for p in report.problems):
                    raise IngestRejected(source, report.problems)
        except IngestRejected as exc:
            self._reset(report, "rejected", str(exc))
        except (IngestError, CustomerBeingErased) as exc:
            self._reset(report, "failed", str(exc))
        return report

    @staticmethod
    def _reset(report: FileReport, status: str, error: str) -> None:
        report.status = status
        report.error = error
        report.accounts_created = 0
        report.transactions_added = 0
        report.duplicates_skipped = 0
        report.balances = 0

    @staticmethod
    def _choose_reader(
        handle: BinaryIO, path: Path, readers: dict[str, FormatReader], format_name: str | None
    ) -> FormatReader:
        if format_name:
            if format_name not in readers:
                known = ", ".join(readers)
                raise IngestError(f"unknown format {format_name!r}; known formats: {known}")
            return readers[format_name]
        head = handle.read(SNIFF_BYTES)
        handle.seek(0)
        if not head.strip():
            raise IngestError(f"{path.name}: the file is empty")
        return detect(head, path.name, readers)

    @staticmethod
    def _consume_without_gc(
        reader: FormatReader,
        handle: BinaryIO,
        path: Path,
        state: _FileIngest,
        progress: ProgressCallback | None,
    ) -> None:
        """Ingest makes millions of short-lived, acyclic objects; the cyclic garbage
        collector's passes over them cost a fifth of the time, so it pauses meanwhile."""
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            IngestService._consume(reader, handle, path, state, progress)
        finally:
            if was_enabled:
                gc.enable()

    @staticmethod
    def _consume(
        reader: FormatReader,
        handle: BinaryIO,
        path: Path,
        state: _FileIngest,
        progress: ProgressCallback | None,
    ) -> None:
        for count, record in enumerate(reader.read(handle, path.name), start=1):
            _apply(state, record, path.name)
            if progress is not None and count % 2000 == 0:
                progress(handle.tell())
        state.flush()
        if progress is not None:
            progress(handle.tell())


def _apply(state: _FileIngest, record: Record, source: str) -> None:
    """One record into the ingest; a record that breaks a rule becomes a problem."""
    try:
        if isinstance(record, ParsedTransaction):
            state.transaction(record)
        elif isinstance(record, ParsedAccount):
            state.account(record)
        elif isinstance(record, ParsedBalance):
            state.balance(record)
        elif isinstance(record, Problem):
            state.report.problems.append(record)
    except DomainError as exc:
        if isinstance(record, Problem):  # pragma: no cover - problems cannot fail
            raise
        state.report.problems.append(Problem(source, record.position, _field_of(exc), str(exc)))


def _field_of(exc: DomainError) -> str:
    return "currency" if isinstance(exc, InvalidCurrency) else "amount"


def amount_text(minor: int, currency: str) -> str:
    """A minor-unit integer as a decimal string in ``currency``."""
    return str(Money.from_minor(minor, currency).amount)


def decimal_of(minor: int, currency: str) -> Decimal:
    """A minor-unit integer as a Decimal in ``currency``."""
    return Money.from_minor(minor, currency).amount
