"""A customer with accounts in several currencies hears every currency's total.

Before, "how much did I spend this month?" named the dollar total only while counting the
euro payments among its transactions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from openteller.assistant.classifier import load_classifier
from openteller.assistant.engine import Assistant, Conversation
from openteller.bootstrap import App
from openteller.demo.files import write_ofx
from openteller.demo.generator import SyntheticTransaction
from openteller.ingest.registry import build_readers
from tests.db import make_settings


def _statement(path: Path, rows: list[tuple[str, str, str]], **kwargs: str) -> Path:
    write_ofx(
        path,
        (
            SyntheticTransaction(f"T{n}", date.fromisoformat(d), Decimal(a), text, "", "POS")
            for n, (d, a, text) in enumerate(rows)
        ),
        **kwargs,  # type: ignore[arg-type]
    )
    return path


def test_every_currency_is_named(tmp_path: Path) -> None:
    app = App(make_settings(f"sqlite:///{tmp_path}/bank.db", None, tmp_path))
    app.init()
    dollars = _statement(
        tmp_path / "usd.ofx",
        [("2026-11-02", "-30.00", "WHOLE FOODS MARKET"), ("2026-11-03", "-5.25", "STARBUCKS")],
        account="12345678",
    )
    euros = _statement(
        tmp_path / "eur.ofx",
        [("2026-11-04", "-23.45", "REWE MARKT"), ("2026-11-05", "-4.10", "BACKWERK")],
        account="DE89370400440532013000",
        currency="EUR",
    )
    readers = build_readers()
    for path in (dollars, euros):
        assert app.ingest.ingest_file(path, "alice", readers).status == "ok"
    assistant = Assistant(
        app.access, load_classifier(), clock=lambda: datetime(2026, 11, 24, 12, tzinfo=UTC)
    )
    try:
        turn = assistant.respond(
            Conversation(customer="alice", channel="ask"), "how much did I spend this month?"
        )
        assert turn.answer["totals"] == {"EUR": "27.55", "USD": "35.25"}
        assert turn.reply.text.startswith("You spent $35.25 and €27.55 this month (1 Nov 2026")
        assert "4 transactions" in turn.reply.text
    finally:
        app.close()
