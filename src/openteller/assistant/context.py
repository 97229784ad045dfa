"""A conversation's context as plain data, so any process can carry it on.

What is kept: the last question's intent and slots (for follow-ups), an action waiting
for the customer's yes, and a shared location. Merchant names are not kept (they are
read again). Channels store this encrypted under the customer's key, for a short while.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from openteller.assistant.engine import Conversation
from openteller.assistant.intents import Intent
from openteller.assistant.periods import Period, PeriodMatch
from openteller.assistant.service_skills import Pending
from openteller.assistant.slots import AmountBounds, Slots
from openteller.domain.categories import Category


def _slots(slots: Slots) -> dict[str, Any]:
    period = slots.period
    return {
        "period": (
            [
                period.period.start.isoformat(),
                period.period.end.isoformat(),
                period.phrase,
                period.kind,
            ]
            if period
            else None
        ),
        "category": int(slots.category) if slots.category is not None else None,
        "merchant": slots.merchant,
        "more_merchants": list(slots.more_merchants),
        "unknown_merchant": slots.unknown_merchant,
        "group": slots.group,
        "account": slots.account,
        "amount": (
            [
                str(slots.amount.minimum) if slots.amount.minimum is not None else None,
                str(slots.amount.maximum) if slots.amount.maximum is not None else None,
            ]
            if slots.amount
            else None
        ),
        "exclude_merchants": list(slots.exclude_merchants),
        "exclude_categories": [int(c) for c in slots.exclude_categories],
        "limit": slots.limit,
        "compare": slots.compare,
        "breakdown": slots.breakdown,
        "recent": slots.recent,
        "largest": slots.largest,
        "per_payment": slots.per_payment,
        "refunds": slots.refunds,
    }


def _slots_from(data: dict[str, Any]) -> Slots:
    period = None
    if data.get("period"):
        start, end, phrase, kind = data["period"]
        period = PeriodMatch(
            Period(date.fromisoformat(start), date.fromisoformat(end)), 0, 0, phrase, kind
        )
    amount = None
    if data.get("amount"):
        low, high = data["amount"]
        amount = AmountBounds(Decimal(low) if low else None, Decimal(high) if high else None)
    return Slots(
        period=period,
        category=Category(data["category"]) if data.get("category") is not None else None,
        merchant=data.get("merchant"),
        more_merchants=tuple(data.get("more_merchants", ())),
        unknown_merchant=data.get("unknown_merchant"),
        group=data.get("group"),
        account=data.get("account"),
        amount=amount,
        exclude_merchants=tuple(data.get("exclude_merchants", ())),
        exclude_categories=tuple(Category(c) for c in data.get("exclude_categories", ())),
        limit=data.get("limit"),
        compare=data.get("compare"),
        breakdown=data.get("breakdown"),
        recent=bool(data.get("recent")),
        largest=bool(data.get("largest")),
        per_payment=bool(data.get("per_payment")),
        refunds=bool(data.get("refunds")),
    )


def dump(conversation: Conversation) -> dict[str, Any]:
    pending = conversation.pending
    return {
        "v": 1,
        "last_intent": conversation.last_intent.value if conversation.last_intent else None,
        "last_slots": _slots(conversation.last_slots),
        "pending": [pending.kind, pending.target, pending.label] if pending else None,
        "location": list(conversation.location) if conversation.location else None,
    }


def load(customer: str, channel: str, data: dict[str, Any] | None) -> Conversation:
    """A conversation carrying ``data``'s context (a fresh one for unknown data)."""
    conversation = Conversation(customer=customer, channel=channel)
    if not data or data.get("v") != 1:
        return conversation
    try:
        if data.get("last_intent"):
            conversation.last_intent = Intent(data["last_intent"])
        conversation.last_slots = _slots_from(data.get("last_slots") or {})
        if data.get("pending"):
            kind, target, label = data["pending"]
            conversation.pending = Pending(kind, target, label)
        if data.get("location"):
            latitude, longitude = data["location"]
            conversation.location = (float(latitude), float(longitude))
    except (ValueError, TypeError, KeyError):
        return Conversation(customer=customer, channel=channel)
    return conversation
