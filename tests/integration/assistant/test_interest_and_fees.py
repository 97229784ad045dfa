"""Interest earned is money in; interest charged is a fee: the same word, told apart by
what the customer asks ("how much interest did I earn?" / "... did I pay on my card?").

A savings statement with monthly interest and a card statement with an interest
charge are ingested the normal way; the assistant answers as of 2026-11-24.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from openteller.assistant.classifier import load_classifier
from openteller.assistant.engine import Assistant, Conversation
from openteller.bootstrap import App
from openteller.demo.files import write_ofx
from openteller.demo.generator import SyntheticTransaction
from openteller.ingest.registry import build_readers
from tests.db import make_settings

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

SAVINGS = [
    ("2026-08-31", "30.10", "INTEREST PAYMENT", "INT"),
    ("2026-09-02", "500.00", "ONLINE TRANSFER FROM CHECKING XXXXXX0401", "XFER"),
    ("2026-09-30", "31.80", "INTEREST PAYMENT", "INT"),
    ("2026-10-31", "33.45", "INTEREST PAYMENT", "INT"),
]
CARD = [
    ("2026-10-05", "-42.00", "TARGET 1234 OAKLAND CA", "POS"),
    ("2026-10-20", "-18.75", "INTEREST CHARGE ON PURCHASES", "INT"),
]


def _write(path: Path, rows: list[tuple[str, str, str, str]], **kwargs: Any) -> Path:
    write_ofx(
        path,
        (
            SyntheticTransaction(f"T{n:04d}", date.fromisoformat(d), Decimal(a), text, "", kind)
            for n, (d, a, text, kind) in enumerate(rows)
        ),
        **kwargs,
    )
    return path


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    folder = tmp_path_factory.mktemp("interest")
    app = App(make_settings(f"sqlite:///{folder}/bank.db", None, folder))
    app.init()
    readers = build_readers()
    savings = _write(
        folder / "savings.ofx", SAVINGS, account="100200300501", account_type="SAVINGS"
    )
    card = _write(folder / "card.ofx", CARD, account="4111111111111111", account_type="CREDITCARD")
    for path in (savings, card):
        assert app.ingest.ingest_file(path, "alice", readers).status == "ok"
    yield Assistant(app.access, load_classifier(), clock=lambda: NOW)
    app.close()


def ask(assistant: Assistant, question: str) -> dict[str, Any]:
    return assistant.respond(Conversation(customer="alice", channel="ask"), question).as_json()


@pytest.mark.parametrize(
    ("question", "amount", "count"),
    [
        ("how much interest did I earn this year?", "95.35", 3),
        ("how much interest have I received since september", "65.25", 2),
        ("savings interest last month", "33.45", 1),
    ],
)
def test_interest_earned_is_the_interest_that_came_in(
    assistant: Assistant, question: str, amount: str, count: int
) -> None:
    """Before, "interest" was read as the fees category: "you received nothing"."""
    answer = ask(assistant, question)
    assert answer["intent"] == "income"
    assert (answer["answer"]["amount"], answer["answer"]["count"]) == (amount, count)
    assert " in interest " in answer["text"]  # not the transfer from checking either


@pytest.mark.parametrize(
    ("question", "amount", "count"),
    [
        ("how much interest did I pay on my credit card in october?", "18.75", 1),
        # without a period (this month so far: none); before, this went to a person
        ("how much interest did I pay on my credit card?", "0.00", 0),
    ],
)
def test_interest_paid_on_the_card_is_a_fee(
    assistant: Assistant, question: str, amount: str, count: int
) -> None:
    answer = ask(assistant, question)
    assert answer["intent"] == "spending"
    assert answer["category"] == "fees"
    assert (answer["answer"]["amount"], answer["answer"]["count"]) == (amount, count)


def test_since_payday_without_any_pay_says_so(assistant: Assistant) -> None:
    """Interest is no pay: with nothing else coming in, there is no pay day to start at."""
    answer = ask(assistant, "how much have I spent since payday?")
    assert answer["answer"] == {"error": "no_pay_found"}
    assert answer["text"].startswith("I can't see any pay coming in over the last two months")
