"""A bank's alert post is read strictly: each wrong field is named, never guessed at."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from openteller.domain.fraud_alert import Alert, AlertInvalid

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def post(**changes: Any) -> dict[str, Any]:
    transaction = {"amount": "99.00", "currency": "usd", "merchant": "SHOP"}
    transaction.update(changes.pop("transaction", {}))
    return {"alert_id": "A-1", "customer": "alice", "transaction": transaction, **changes}


def test_a_good_alert_is_read() -> None:
    alert = Alert.parse(post(expires_at="2026-12-02T12:00:00Z"), NOW)
    assert (alert.amount, alert.currency, alert.merchant) == (Decimal("99.00"), "USD", "SHOP")
    assert alert.expires_at == datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert Alert.parse(post(transaction={"amount": 12.5}), NOW).amount == Decimal("12.5")


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"transaction": {"amount": "NaN"}}, "transaction.amount"),
        ({"transaction": {"amount": "Infinity"}}, "transaction.amount"),
        ({"transaction": {"amount": True}}, "transaction.amount"),
        ({"transaction": {"amount": "1e400"}}, "transaction.amount"),
        ({"transaction": {"amount": 10**15}}, "transaction.amount"),
        ({"transaction": {"currency": "dollars"}}, "transaction.currency"),
        ({"transaction": {"currency": 840}}, "transaction.currency"),
        ({"transaction": {"merchant": ["SHOP"]}}, "merchant"),
        ({"expires_at": "2026-11-30T12:00:00Z"}, "has passed"),
        ({"expires_at": 1764590400}, "expires_at"),
        ({"customer": {"id": "alice"}}, "customer"),
        ({"card_last4": "4111111111111111"}, "card_last4"),
    ],
)
def test_a_wrong_field_is_named(changes: dict[str, Any], named: str) -> None:
    with pytest.raises(AlertInvalid, match=named):
        Alert.parse(post(**changes), NOW)
