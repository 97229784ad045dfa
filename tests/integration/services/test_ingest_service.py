"""The ingest service with a hand-written reader, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from openteller.bootstrap import App
from openteller.cli_privacy import OPERATOR
from openteller.domain.accounts import AccountType, BalanceKind
from openteller.ingest.records import (
    ParsedAccount,
    ParsedBalance,
    ParsedTransaction,
    Position,
    Problem,
    Record,
)
from tests.db import make_settings
from tests.scripted_readers import ScriptedReader

ACCOUNT = ParsedAccount(
    key="acc",
    identifier="DE89370400440532013000",
    account_type=AccountType.CHECKING,
    currency="EUR",
    display_name="Girokonto",
)


def tx(day: int, amount: str, description: str, bank_id: str = "") -> ParsedTransaction:
    return ParsedTransaction(
        account_key="acc",
        booking_date=date(2024, 5, day),
        amount=Decimal(amount),
        currency="EUR",
        description=description,
        bank_id=bank_id,
    )


@pytest.fixture
def app(database_url: str, keystore_url: str | None, tmp_path: Path) -> Iterator[App]:
    application = App(make_settings(database_url, keystore_url, tmp_path))
    application.init()
    yield application
    application.close()


@pytest.fixture
def statement(tmp_path: Path) -> Path:
    path = tmp_path / "statement.bin"
    path.write_bytes(b"anything: the scripted reader ignores the bytes")
    return path


def ingest(app: App, path: Path, reader: ScriptedReader, **kwargs: object) -> object:
    return app.ingest.ingest_file(
        path, "alice", {"scripted": reader}, format_name="scripted", **kwargs
    )  # type: ignore[arg-type]


def test_ingest_stores_categorises_masks_and_is_idempotent(app: App, statement: Path) -> None:
    records: list[Record] = [
        ACCOUNT,
        ParsedBalance("acc", BalanceKind.BOOKED, Decimal("1500.00"), "EUR", date(2024, 5, 31)),
        tx(2, "-4.50", "STARBUCKS STORE 1234 BERLIN", "F1"),
        tx(3, "-4.50", "KARTENZAHLUNG 4111 1111 1111 1111 REWE MARKT"),
        tx(3, "-4.50", "KARTENZAHLUNG 4111 1111 1111 1111 REWE MARKT"),  # same purchase twice
        tx(28, "2500.00", "GEHALT MAI ACME GMBH"),
    ]
    first = ingest(app, statement, ScriptedReader(records))
    assert (first.status, first.transactions_added, first.duplicates_skipped) == ("ok", 4, 0)  # type: ignore[attr-defined]
    second = ingest(app, statement, ScriptedReader(records))
    assert (second.transactions_added, second.duplicates_skipped) == (0, 4)  # type: ignore[attr-defined]

    (view,) = app.access.accounts("alice", OPERATOR)
    assert (view.account.mask, view.account.display_name, view.transactions) == (
        "3000",
        "Girokonto",
        4,
    )
    assert view.balances[0].amount.amount == Decimal("1500.00")
    items = app.access.transactions("alice", OPERATOR)
    assert [str(t.amount.amount) for t in items] == ["-4.50", "-4.50", "-4.50", "2500.00"]
    assert all("4111 1111 1111 1111" not in t.description for t in items)
    assert "411111******1111" in items[1].description
    assert items[0].merchant == "Starbucks"
    assert items[0].category.slug == "coffee"
    assert items[3].category.slug == "income"
    assert len({t.id for t in items}) == 4
    assert app.access.transactions(
        "alice", OPERATOR, since=date(2024, 5, 3), until=date(2024, 5, 3)
    )[0].booking_date == date(2024, 5, 3)


def test_a_failing_file_leaves_nothing_behind(app: App, statement: Path) -> None:
    report = ingest(
        app,
        statement,
        ScriptedReader([ACCOUNT, tx(2, "-1.00", "A", "F1")], fail_with="line 9: truncated"),
    )
    assert report.status == "failed"  # type: ignore[attr-defined]
    assert "truncated" in report.error  # type: ignore[attr-defined]
    ok = ingest(app, statement, ScriptedReader([ACCOUNT, tx(2, "-1.00", "A", "F1")]))
    assert ok.transactions_added == 1  # type: ignore[attr-defined]  # F1 was not half-written before


def test_bad_entries_reject_the_file_unless_skip_bad(app: App, statement: Path) -> None:
    bad = Problem(
        "statement.bin", Position(line=7, element="STMTTRN"), "TRNAMT", "not an amount: '$120'"
    )
    records: list[Record] = [ACCOUNT, tx(2, "-1.00", "A", "F1"), bad]
    report = ingest(app, statement, ScriptedReader(records))
    assert report.status == "rejected"  # type: ignore[attr-defined]
    assert "line 7, element STMTTRN: TRNAMT: not an amount" in report.error  # type: ignore[attr-defined]
    assert report.transactions_added == 0  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="no customer"):
        app.access.transactions("alice", OPERATOR)
    skipped = ingest(app, statement, ScriptedReader(records), skip_bad=True)
    assert (skipped.status, skipped.transactions_added, len(skipped.problems)) == ("ok", 1, 1)  # type: ignore[attr-defined]


def test_a_bad_currency_in_one_entry_is_a_problem_naming_it(app: App, statement: Path) -> None:
    odd = ParsedTransaction(
        account_key="acc",
        booking_date=date(2024, 5, 2),
        amount=Decimal("1"),
        currency="EURO",
        position=Position(line=4),
    )
    report = ingest(app, statement, ScriptedReader([ACCOUNT, odd]))
    assert report.status == "rejected"  # type: ignore[attr-defined]
    assert "line 4: currency: not an ISO 4217 currency code: 'EURO'" in report.error  # type: ignore[attr-defined]


def test_the_same_purchase_in_different_flushes_is_numbered_across_them(
    app: App, statement: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Content keys are numbered a flush at a time: a purchase repeated on one day is
    counted across flushes, so a re-ingest and an overlapping statement add nothing."""
    monkeypatch.setattr("openteller.services.ingest.FLUSH_ROWS", 2)
    coffee = tx(3, "-3.20", "CAFE CENTRAL")
    records: list[Record] = [ACCOUNT, coffee, tx(4, "-9.99", "KIOSK"), coffee, tx(5, "-1", "X")]
    records += [coffee]
    first = ingest(app, statement, ScriptedReader(records))
    assert (first.transactions_added, first.duplicates_skipped) == (5, 0)  # type: ignore[attr-defined]
    again = ingest(app, statement, ScriptedReader(records))
    assert (again.transactions_added, again.duplicates_skipped) == (0, 5)  # type: ignore[attr-defined]
    overlapping = ingest(app, statement, ScriptedReader([ACCOUNT, coffee, coffee]))
    assert (overlapping.transactions_added, overlapping.duplicates_skipped) == (0, 2)  # type: ignore[attr-defined]
    one_more = ingest(app, statement, ScriptedReader([ACCOUNT, *[coffee] * 4]))
    assert (one_more.transactions_added, one_more.duplicates_skipped) == (1, 3)  # type: ignore[attr-defined]
    days = [t.booking_date.day for t in app.access.transactions("alice", OPERATOR)]
    assert sorted(days) == [3, 3, 3, 3, 4, 5]
