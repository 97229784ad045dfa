"""The ingest use case: a bank file in, encrypted ledger blocks out, in one transaction.

Stages per file: detect the format (unless given) -> the reader streams typed records ->
preparation (``ingest_enrichment``: amounts checked, text sanitised; for a large file in a
second process, ``ingest_pipeline``) -> merchant normalised, categorised -> dedupe key ->
rows buffered per account-month and merged into the encrypted blocks. Any reader error,
or any bad entry unless ``skip_bad``, rolls the whole file back: nothing is half-written.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, cast

from sqlalchemy import Connection, Engine

from openteller.categorise.categoriser import Categoriser, CustomerRule
from openteller.domain.accounts import mask
from openteller.domain.card_numbers import sanitise
from openteller.domain.errors import DomainError, IngestError
from openteller.domain.money import Money, check_currency
from openteller.ingest.base import SNIFF_BYTES, FormatReader
from openteller.ingest.dedupe import DedupeKeys, bank_id_key, content_digest
from openteller.ingest.records import (
    ParsedAccount,
    ParsedBalance,
    Problem,
    Record,
    Severity,
)
from openteller.ingest.registry import detect
from openteller.services.ingest_enrichment import (
    CategorisedTransaction,
    Item,
    MerchantsAndCategories,
    PreparedTransaction,
    UnusableTransaction,
    prepared_items,
    problem_field,
)
from openteller.services.ingest_pipeline import BATCH_ITEMS, prepared_in_child, usable_cores
from openteller.store.ledger_codec import LedgerRow
from openteller.store.repository import (
    CustomerBeingErased,
    CustomerHandle,
    LedgerStore,
    month_of,
)

#: Rows buffered in memory before they are merged into blocks (bounds memory use).
FLUSH_ROWS = 20_000
#: Files at least this large are read and prepared in a second process (see
#: ``ingest_pipeline``); below it, starting that process costs more than it saves.
PARALLEL_FROM_BYTES = 8_000_000

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
        self.merchants_and_categories = MerchantsAndCategories(categoriser)
        self.report = report
        self.accounts: dict[str, tuple[str, str]] = {}  # file key -> (account id, currency)
        self.buffer: dict[tuple[str, int], list[LedgerRow]] = {}
        self.buffered = 0
        self.keys = DedupeKeys()
        #: Buffered rows without a bank id, with their content digests, in file order:
        #: their keys are numbered when they are flushed.
        self.unnumbered: list[LedgerRow] = []
        self.digests: list[bytes] = []

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

    def transaction(self, item: PreparedTransaction | CategorisedTransaction) -> None:
        if len(item) == 16:  # categorised where it was prepared
            categorised = cast(CategorisedTransaction, item)
            merchant, category = categorised[14], categorised[15]
        else:
            merchant, category = self.merchants_and_categories.of(cast(PreparedTransaction, item))
        (
            account_key,
            bank_id,
            booking_day,
            value_day,
            minor,
            currency,
            pending,
            description,
            counterparty,
            _merchant_hint,
            mcc,
            reference,
            transaction_type,
            category_hint,
        ) = item[:14]
        account_id = self._account_id(account_key, "a transaction")
        self.report.transactions_read += 1
        booking_date = date.fromordinal(booking_day)
        row = LedgerRow(  # positional: this runs once per transaction
            "",  # id: derived from the key when read (LedgerStore.iter_rows), not stored
            bank_id_key(bank_id) if bank_id else "",  # without one, numbered at the flush
            booking_date,
            date.fromordinal(value_day) if value_day else None,
            minor,
            currency,
            category,
            pending,
            description,
            merchant,
            mcc,
            counterparty,
            reference,
            transaction_type,
            category_hint,
        )
        if not bank_id:
            self.unnumbered.append(row)
            self.digests.append(
                content_digest(account_id, booking_day, minor, currency, description)
            )
        self.buffer.setdefault((account_id, month_of(booking_date)), []).append(row)
        self.buffered += 1
        if self.buffered >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        for row, key in zip(self.unnumbered, self.keys.numbered(self.digests), strict=True):
            row.key = key
        self.unnumbered.clear()
        self.digests.clear()
        added, duplicates = self.store.merge_batches(self.conn, self.customer, self.buffer)
        self.report.transactions_added += added
        self.report.duplicates_skipped += duplicates
        self.buffer.clear()
        self.buffered = 0


class IngestService:
    """Ingests bank files for customers of one bank.

    A file of at least ``parallel_from_bytes`` is read and prepared in a second process
    while this one stores it (``ingest_pipeline``), when the machine has a core to spare;
    ``parallel_from_bytes=None`` keeps every file in this process.
    """

    def __init__(
        self,
        engine: Engine,
        store: LedgerStore,
        *,
        parallel_from_bytes: int | None = PARALLEL_FROM_BYTES,
    ) -> None:
        self.engine = engine
        self.store = store
        self.parallel_from_bytes = parallel_from_bytes

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
                in_child = self._read_in_child(path)
                with self.engine.begin() as conn:
                    self.store.ensure_bank(conn)
                    customer = self.store.get_or_create_customer(conn, customer_external_id)
                    if rules is None:
                        rules = [
                            CustomerRule.from_dict(data)
                            for _number, data in self.store.list_rules(conn, customer)
                        ]
                    state = _FileIngest(conn, self.store, customer, Categoriser(rules), report)
                    if in_child:
                        batches = prepared_in_child(path, reader, rules)
                    else:
                        batches = _prepared_here(handle, path, reader)
                    with contextlib.closing(batches):  # a failure here stops the child
                        _consume_without_gc(batches, state, path.name, progress)
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

    def _read_in_child(self, path: Path) -> bool:
        return (
            self.parallel_from_bytes is not None
            and path.stat().st_size >= self.parallel_from_bytes
            and usable_cores() > 1
        )

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
                for item in prepared_items(records, source):
                    _apply(state, item, source)
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


def _prepared_here(
    handle: BinaryIO, path: Path, reader: FormatReader
) -> Generator[tuple[list[Item], int], None, None]:
    """Batches of prepared items read in this process, each with the bytes read so far."""
    batch: list[Item] = []
    for item in prepared_items(reader.read(handle, path.name), path.name):
        batch.append(item)
        if len(batch) >= BATCH_ITEMS:
            yield batch, handle.tell()
            batch = []
    yield batch, handle.tell()


def _consume_without_gc(
    batches: Iterator[tuple[list[Item], int]],
    state: _FileIngest,
    source: str,
    progress: ProgressCallback | None,
) -> None:
    """Ingest makes millions of short-lived, acyclic objects; the cyclic garbage
    collector's passes over them cost a fifth of the time, so it pauses meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for batch, position in batches:
            for item in batch:
                _apply(state, item, source)
            if progress is not None:
                progress(position)
        state.flush()
    finally:
        if was_enabled:
            gc.enable()


def _apply(state: _FileIngest, item: Item, source: str) -> None:
    """One item into the ingest; a record that breaks a rule becomes a problem."""
    kind = type(item)
    if kind is tuple:  # a PreparedTransaction
        state.transaction(item)  # type: ignore[arg-type]
    elif kind is UnusableTransaction:
        state.report.transactions_read += 1
        state.report.problems.append(item.problem)  # type: ignore[union-attr]
    elif isinstance(item, Problem):
        state.report.problems.append(item)
    elif isinstance(item, ParsedAccount | ParsedBalance):
        try:
            if isinstance(item, ParsedAccount):
                state.account(item)
            else:
                state.balance(item)
        except DomainError as exc:
            state.report.problems.append(
                Problem(source, item.position, problem_field(exc), str(exc))
            )


def amount_text(minor: int, currency: str) -> str:
    """A minor-unit integer as a decimal string in ``currency``."""
    return str(Money.from_minor(minor, currency).amount)


def decimal_of(minor: int, currency: str) -> Decimal:
    """A minor-unit integer as a Decimal in ``currency``."""
    return Money.from_minor(minor, currency).amount
