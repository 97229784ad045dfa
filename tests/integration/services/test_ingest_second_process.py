"""Ingest of a large file in two processes: the same result as in one, the same failures.

Every test here forces the second process (``parallel_from_bytes=0``, and two usable
cores even on a machine with one) and compares with the ingest in one process.
"""

from __future__ import annotations

import io
import os
import pickle
import shutil
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from openteller.bootstrap import App
from openteller.categorise.rules import CustomerRule
from openteller.cli_privacy import OPERATOR
from openteller.demo.files import write_csv
from openteller.demo.generator import generate
from openteller.domain.accounts import AccountType
from openteller.domain.categories import Category
from openteller.domain.errors import DomainError, IngestError
from openteller.ingest.base import FormatReader
from openteller.ingest.records import ParsedAccount, ParsedTransaction, Position, Record
from openteller.ingest.registry import build_readers
from openteller.services import ingest as ingest_module
from openteller.services.ingest import FileReport, IngestService, _prepared_here
from openteller.services.ingest_pipeline import (
    PIPE_BYTES,
    _Pipe,
    _read_and_prepare,
    _read_framed,
    _widen,
    prepared_in_child,
)
from tests.db import make_settings
from tests.samples import FIXTURES, REPO_ROOT
from tests.scripted_readers import (
    BuggyReader,
    DyingReader,
    ScriptedReader,
    UnpicklableErrorReader,
)

BANK_FILES = sorted(
    path
    for folder in ("camt", "csv", "fdx", "mt940", "obie", "ofx")
    for path in (FIXTURES / folder).iterdir()
    if path.is_file() and path.name != "PROVENANCE.md"
)

ACCOUNT = ParsedAccount(
    key="acc",
    identifier="NL91ABNA0417164300",
    account_type=AccountType.CHECKING,
    currency="EUR",
    display_name="Betaalrekening",
)


def tx(day: int, amount: str, description: str, line: int = 0) -> ParsedTransaction:
    return ParsedTransaction(
        account_key="acc",
        booking_date=date(2024, 6, day),
        amount=Decimal(amount),
        currency="EUR",
        description=description,
        position=Position(line=line or None),
    )


RECORDS: list[Record] = [
    ACCOUNT,
    tx(3, "-3.80", "ALBERT HEIJN 1403 AMSTERDAM"),
    tx(3, "-3.80", "ALBERT HEIJN 1403 AMSTERDAM"),
    tx(4, "-12.00", "NETFLIX.COM 866-579-7172 CA"),
    tx(28, "3100.00", "SALARIS JUNI ACME BV"),
]


@pytest.fixture(autouse=True)
def _two_cores_and_an_importable_test_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    """The second process runs on any machine, and can import tests.scripted_readers."""
    monkeypatch.setattr(ingest_module, "usable_cores", lambda: 2)
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))


@pytest.fixture
def app(database_url: str, keystore_url: str | None, tmp_path: Path) -> Iterator[App]:
    application = App(make_settings(database_url, keystore_url, tmp_path))
    application.init()
    yield application
    application.close()


@pytest.fixture
def statement(tmp_path: Path) -> Path:
    path = tmp_path / "statement.bin"
    path.write_bytes(b"anything: scripted readers ignore the bytes")
    return path


def in_one_process(app: App) -> IngestService:
    return IngestService(app.engine, app.store, parallel_from_bytes=None)


def in_two_processes(app: App) -> IngestService:
    return IngestService(app.engine, app.store, parallel_from_bytes=0)


def ingest(
    service: IngestService, path: Path, reader: FormatReader, customer: str, **options: Any
) -> FileReport:
    return service.ingest_file(
        path, customer, {reader.name: reader}, format_name=reader.name, **options
    )


def outcome(report: FileReport) -> tuple[object, ...]:
    return (
        report.status,
        report.error,
        report.accounts,
        report.transactions_read,
        report.transactions_added,
        report.duplicates_skipped,
        report.balances,
        [problem.describe() for problem in report.problems],
    )


def stored(app: App, customer: str) -> list[tuple[Any, ...]]:
    """A customer's transactions (sorted: the order within a day follows their ids)."""
    return sorted(
        (t.booking_date, t.amount.amount, t.description, t.merchant, t.category.slug, t.status)
        for t in app.access.transactions(customer, OPERATOR)
    )


def items_or_error(batches: Iterator[tuple[list[Any], int]]) -> tuple[list[Any], str]:
    items: list[Any] = []
    try:
        for batch, _position in batches:
            items.extend(batch)
    except (IngestError, DomainError, OSError) as exc:
        return items, f"{type(exc).__name__}: {exc}"
    return items, ""


@pytest.mark.parametrize("path", BANK_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_sample_reads_and_prepares_the_same_in_a_second_process(path: Path) -> None:
    reader = build_readers()[path.parent.name]  # folders are named by format
    with path.open("rb") as handle:
        here = items_or_error(_prepared_here(handle, path, reader))
    there = items_or_error(prepared_in_child(path, reader, []))
    assert there == here
    assert here[0] or here[1], "the sample gave neither items nor an error"


def test_a_file_stores_the_same_in_two_processes_as_in_one(app: App, statement: Path) -> None:
    one = ingest(in_one_process(app), statement, ScriptedReader(RECORDS), "one")
    two = ingest(in_two_processes(app), statement, ScriptedReader(RECORDS), "two")
    assert outcome(two) == outcome(one)
    assert (two.status, two.transactions_added) == ("ok", 4)
    assert stored(app, "two") == stored(app, "one")
    assert [row[3:5] for row in stored(app, "two")] == [
        ("Albert Heijn", "groceries"),
        ("Albert Heijn", "groceries"),
        ("Netflix", "subscriptions"),
        ("Salaris Juni Acme", "income"),
    ]
    again = ingest(in_two_processes(app), statement, ScriptedReader(RECORDS), "two")
    assert (again.transactions_added, again.duplicates_skipped) == (0, 4)


def test_a_reader_error_in_the_second_process_fails_the_file_and_writes_nothing(
    app: App, statement: Path
) -> None:
    reader = ScriptedReader(RECORDS, fail_with="line 40: truncated entry")
    two = ingest(in_two_processes(app), statement, reader, "two")
    one = ingest(in_one_process(app), statement, reader, "one")
    assert outcome(two) == outcome(one)
    assert two.status == "failed"
    assert two.error == "statement.bin: line 40: truncated entry"
    assert_nothing_stored(app, "two")


def test_bad_entries_found_in_the_second_process_reject_the_file_unless_skip_bad(
    app: App, statement: Path
) -> None:
    odd = ParsedTransaction(
        account_key="acc",
        booking_date=date(2024, 6, 5),
        amount=Decimal("1"),
        currency="EURO",
        position=Position(line=9),
    )
    reader = ScriptedReader([*RECORDS, odd])
    two = ingest(in_two_processes(app), statement, reader, "two")
    assert two.status == "rejected"
    assert "line 9: currency: not an ISO 4217 currency code: 'EURO'" in two.error
    assert outcome(two) == outcome(ingest(in_one_process(app), statement, reader, "one"))
    assert_nothing_stored(app, "two")
    kept = ingest(in_two_processes(app), statement, reader, "two", skip_bad=True)
    assert (kept.status, kept.transactions_read, kept.transactions_added) == ("ok", 5, 4)


def test_a_second_process_that_dies_fails_the_file_and_writes_nothing(
    app: App, statement: Path
) -> None:
    report = ingest(in_two_processes(app), statement, DyingReader(RECORDS), "two")
    assert report.status == "failed"
    assert report.error == (
        "statement.bin: the process reading the file stopped unexpectedly (exit code 3)"
    )
    assert_nothing_stored(app, "two")


def test_a_second_process_that_cannot_start_fails_the_file_and_writes_nothing(
    app: App, statement: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", shutil.which("false"))
    report = ingest(in_two_processes(app), statement, ScriptedReader(RECORDS), "two")
    assert report.status == "failed"
    assert report.error == (
        "statement.bin: the process reading the file stopped unexpectedly (exit code 1)"
    )
    assert_nothing_stored(app, "two")


def test_a_reader_bug_in_the_second_process_fails_the_file_with_its_traceback(
    app: App, statement: Path
) -> None:
    report = ingest(in_two_processes(app), statement, BuggyReader(RECORDS), "two")
    assert report.status == "failed"
    assert report.error.startswith("statement.bin: reading the file failed (a reader bug): ")
    assert "KeyError: \"column 'Betrag'\"" in report.error
    assert "scripted_readers.py" in report.error
    assert_nothing_stored(app, "two")


def test_an_error_that_cannot_cross_processes_arrives_as_its_text(
    app: App, statement: Path
) -> None:
    report = ingest(in_two_processes(app), statement, UnpicklableErrorReader(RECORDS), "two")
    assert (report.status, report.error) == (
        "failed",
        "statement.bin: line 12: the statement ends mid-entry",
    )


def test_progress_from_the_second_process_reaches_the_end_of_the_file(
    app: App, tmp_path: Path
) -> None:
    path = tmp_path / "statement.csv"
    lines = ["Date,Description,Amount,Currency"] + [
        f"2024-06-{1 + i % 28:02d},CARD PAYMENT SHOP {i},-{1 + i % 50}.25,EUR" for i in range(9000)
    ]
    path.write_text("\n".join(lines) + "\n")
    seen: list[int] = []
    report = in_two_processes(app).ingest_file(path, "two", build_readers(), progress=seen.append)
    assert (report.status, report.transactions_added) == ("ok", 9000), report.error
    assert len(seen) >= 5
    assert seen == sorted(seen)
    assert seen[-1] == path.stat().st_size


def test_the_settings_choose_the_second_process(
    database_url: str, keystore_url: str | None, tmp_path: Path
) -> None:
    on = App(make_settings(database_url, keystore_url, tmp_path))
    off = App(make_settings(database_url, keystore_url, tmp_path, ingest_second_process=False))
    low = App(
        make_settings(database_url, keystore_url, tmp_path, ingest_second_process_from_bytes=5)
    )
    assert on.ingest.parallel_from_bytes == 8_000_000
    assert off.ingest.parallel_from_bytes is None
    assert low.ingest.parallel_from_bytes == 5
    for application in (on, off, low):
        application.close()


def assert_nothing_stored(app: App, customer: str) -> None:
    with pytest.raises(Exception, match="no customer"):
        app.access.transactions(customer, OPERATOR)


class _AlwaysBehind:
    """A pipe that is always filling up: the ingest is always the slower side."""

    def filling_up(self) -> bool:
        return True


def _categorised_by_the_child(
    path: Path, reader: FormatReader, rules: Any
) -> Iterator[tuple[list[Any], int]]:
    """What the second process sends when the ingest is always the slower side, made
    in this process: every batch categorised where it was prepared."""
    sent = io.BytesIO()
    _read_and_prepare(str(path), reader, tuple(rules), sent, _AlwaysBehind())  # type: ignore[arg-type]
    sent.seek(0)
    while (message := pickle.loads(_read_framed(sent)))[0] == "batch":
        yield message[1], message[2]


def test_batches_categorised_where_they_were_prepared_store_the_same(
    app: App, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "statement.csv"
    write_csv(path, generate(11, date(2024, 1, 1), 5000))
    rules = [CustomerRule("chipotle", Category.GROCERIES)]
    batches = list(_categorised_by_the_child(path, build_readers()["csv"], []))
    transactions = [item for batch, _ in batches for item in batch if type(item) is tuple]
    assert len(batches) == 3 and len(transactions) == 5000
    assert all(len(item) == 16 for item in transactions)

    one = in_one_process(app).ingest_file(path, "one", build_readers(), rules=rules)
    monkeypatch.setattr(ingest_module, "prepared_in_child", _categorised_by_the_child)
    two = in_two_processes(app).ingest_file(path, "two", build_readers(), rules=rules)
    assert outcome(two) == outcome(one)
    assert two.transactions_added == 5000
    rows = stored(app, "two")
    assert rows == stored(app, "one")
    assert {row[4] for row in rows if row[3] == "Chipotle"} == {"groceries"}
    assert len({row[4] for row in rows}) >= 8


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe sizes are Linux's")
def test_the_child_categorises_only_while_the_pipe_to_the_ingest_is_more_than_half_full() -> None:
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "rb", buffering=0) as read_end, os.fdopen(write_fd, "wb", 0) as out:
        _widen(out)
        pipe = _Pipe(out.fileno())
        size = pipe.capacity  # PIPE_BYTES unless the system caps pipes lower
        assert 65_536 <= size <= PIPE_BYTES
        assert not pipe.filling_up()  # empty: the ingest waits for the child
        out.write(b"x" * (size // 2))
        assert not pipe.filling_up()
        out.write(b"x")
        assert pipe.filling_up()  # the ingest is behind
        read_end.read(size // 4)
        assert not pipe.filling_up()  # it caught up


def test_a_child_whose_pipe_cannot_say_leaves_categorisation_to_the_ingest() -> None:
    with open(os.devnull, "wb") as not_a_pipe:
        pipe = _Pipe(not_a_pipe.fileno())
        assert pipe.capacity == 0
        assert not pipe.filling_up()
