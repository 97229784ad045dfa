"""Conversation context survives a round trip through plain data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from openteller.assistant.context import dump, load
from openteller.assistant.engine import Conversation
from openteller.assistant.intents import Intent
from openteller.assistant.periods import Period, PeriodMatch
from openteller.assistant.service_skills import Pending
from openteller.assistant.slots import AmountBounds, Slots
from openteller.domain.categories import Category


def test_round_trip() -> None:
    conversation = Conversation("alice", "messenger")
    conversation.last_intent = Intent.SPENDING
    conversation.last_slots = Slots(
        period=PeriodMatch(
            Period(date(2026, 10, 1), date(2026, 10, 31)), 0, 0, "last month", "last_month"
        ),
        category=Category.COFFEE,
        merchant="Starbucks",
        amount=AmountBounds(Decimal("5"), None),
        exclude_merchants=("Amazon",),
        exclude_categories=(Category.FEES,),
        limit=3,
        recent=True,
    )
    conversation.pending = Pending("freeze", "acc1", "Credit card ••1111")
    conversation.location = (51.5, -0.12)
    again = load("alice", "messenger", dump(conversation))
    assert again.last_intent is Intent.SPENDING
    assert again.last_slots == conversation.last_slots
    assert again.pending == conversation.pending and again.location == (51.5, -0.12)


def test_unknown_or_broken_data_starts_afresh() -> None:
    assert load("alice", "messenger", None).last_intent is None
    assert load("alice", "messenger", {"v": 9}).last_intent is None
    broken = load("alice", "messenger", {"v": 1, "last_intent": "no_such_intent"})
    assert broken.last_intent is None and broken.customer == "alice"
