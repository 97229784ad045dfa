"""The bank's real-time feed: signed posts of transactions and balances, stored like a
statement (encrypted, categorised, deduplicated), all or nothing.

Real uvicorn server; requests signed like a bank signs them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from openteller.bootstrap import App
from openteller.domain.consent import Purpose
from openteller.privacy.access import Requester
from openteller.services.bank_signing import signed_headers
from tests.integration.channels.test_fraud_alerts import (  # noqa: F401 - fixtures
    KEY_ID,
    SECRET,
    bank,
    callbacks,
)
from tests.integration.channels.test_messenger_webhook import (  # noqa: F401 - fixtures
    graph,
    server,
)

TERMINAL = Requester("terminal", Purpose.CUSTOMER_QUESTIONS, "test")


def feed(url: str, path: str, data: Any, *, secret: str = SECRET) -> httpx.Response:
    raw = json.dumps(data).encode()
    return httpx.post(
        f"{url}/bank/v1/{path}",
        content=raw,
        headers=signed_headers(KEY_ID, secret.encode(), raw, uuid.uuid4().hex),
    )


def card_feed(*transactions: dict[str, Any], customer: str = "carol") -> dict[str, Any]:
    return {
        "customer": customer,
        "account": {
            "id": "CARD-1",
            "type": "credit_card",
            "currency": "USD",
            "name": "Visa",
            "number": "4111111111116877",
        },
        "transactions": list(transactions),
    }


def tx(tx_id: str, amount: str, merchant: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": tx_id,
        "time": "2026-11-30T12:03:00Z",
        "amount": amount,
        "merchant": merchant,
        "description": f"{merchant.upper()} #{tx_id}",
        "mcc": "5814",
        "terminal": "POS-1",
        **extra,
    }


@pytest.fixture
def site(bank: tuple[str, App]) -> Iterator[tuple[str, App]]:  # noqa: F811
    yield bank


def test_fed_transactions_are_stored_encrypted_and_deduplicated(site: tuple[str, App]) -> None:
    url, app = site
    body = card_feed(tx("T-1", "-4.50", "Starbucks"), tx("T-2", "-12.00", "Starbucks"))
    first = feed(url, "transactions", body)
    assert first.status_code == 202, first.text
    assert first.json() == {
        "customer": "carol",
        "transactions_added": 2,
        "duplicates_skipped": 0,
        "balances": 0,
    }
    again = feed(url, "transactions", body)  # the bank sends it again: kept once
    assert again.json()["transactions_added"] == 0 and again.json()["duplicates_skipped"] == 2
    stored = app.access.transactions("carol", TERMINAL)
    assert sorted(t.amount.amount for t in stored) == [-12, -4.5]
    assert {t.merchant for t in stored} == {"Starbucks"}
    assert {t.category.slug for t in stored} == {"coffee"}
    (account,) = app.access.accounts("carol", TERMINAL)
    assert account.account.mask == "6877"
    assert "bank_feed_transactions" in [r.action for r in app.audit.records()]


def test_a_bad_entry_names_itself_and_nothing_is_stored(site: tuple[str, App]) -> None:
    url, app = site
    body = card_feed(
        tx("T-3", "-4.50", "Starbucks"),
        tx("T-4", 12.5, "Starbucks"),  # a float: refused, amounts are exact
        tx("T-5", "-1.00", "Starbucks", time="yesterday"),
    )
    refused = feed(url, "transactions", body)
    assert refused.status_code == 422
    message = refused.json()["error"]["message"]
    assert "transactions[1]" in message and "amount" in message
    assert "transactions[2]" in message and "time" in message
    assert "nothing was stored" in message
    with pytest.raises(Exception, match="no customer"):
        app.access.transactions("carol", TERMINAL)  # not even the customer was created


def test_an_amount_beyond_what_is_held_is_refused_at_once(site: tuple[str, App]) -> None:
    """An exponent makes a short text a giant number: refused before any arithmetic on
    it (turning 1E+999990 into minor units would take a minute of CPU)."""
    url, app = site
    refused = feed(url, "transactions", card_feed(tx("T-6", "-1E+999990", "Starbucks")))
    assert refused.status_code == 422
    message = refused.json()["error"]["message"]
    assert "transactions[0]" in message and "amount out of range: -1E+999990" in message
    assert "up to 18 digits" in message and "nothing was stored" in message
    with pytest.raises(Exception, match="no customer"):
        app.access.transactions("carol", TERMINAL)


def test_half_a_character_is_refused_and_a_whole_one_kept(site: tuple[str, App]) -> None:
    """JSON can escape half of a UTF-16 pair ("\\ud800"); such text cannot be stored,
    so the post is refused naming the field. A whole pair (an emoji) is fine."""
    url, app = site
    broken = tx("T-7", "-4.50", "Starbucks", description="COFFEE \ud800")
    refused = feed(url, "transactions", card_feed(tx("T-8", "-1.00", "Starbucks"), broken))
    assert refused.status_code == 400, refused.text
    message = refused.json()["error"]["message"]
    assert "$.transactions[1].description" in message and "lone UTF-16 surrogate" in message
    with pytest.raises(Exception, match="no customer"):
        app.access.transactions("carol", TERMINAL)
    emoji = tx("T-9", "-4.50", "Starbucks", description="COFFEE \u2615 \U0001f600")
    accepted = feed(url, "transactions", card_feed(emoji))
    assert accepted.status_code == 202, accepted.text
    (stored,) = app.access.transactions("carol", TERMINAL)
    assert stored.description == "COFFEE \u2615 \U0001f600"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"customer": ""}, "customer"),
        ({"account": {"id": "A", "type": "piggy", "currency": "USD"}}, "account.type"),
        ({"account": {"id": "A", "currency": "DOLLARS"}}, "DOLLARS"),
        ({"transactions": "T-1"}, "transactions: a list"),
        ({"transactions": []}, "at least one entry"),
    ],
)
def test_bad_envelopes_are_named(site: tuple[str, App], change: dict[str, Any], named: str) -> None:
    url, _app = site
    refused = feed(url, "transactions", {**card_feed(tx("T-6", "-1", "X")), **change})
    assert refused.status_code == 422, refused.text
    assert named in refused.json()["error"]["message"]


def test_balances_are_fed_and_unsigned_posts_refused(site: tuple[str, App]) -> None:
    url, app = site
    body = {
        **card_feed(),
        "balances": [
            {"kind": "available", "amount": "950.25", "as_of": "2026-11-30T12:00:00Z"},
            {"kind": "booked", "amount": "-49.75", "as_of": "2026-11-30T12:00:00Z"},
        ],
    }
    body.pop("transactions")
    stored = feed(url, "balances", body)
    assert stored.status_code == 202, stored.text and stored.json()["balances"] == 2
    amounts = sorted(str(b.amount.amount) for b in app.access.balances("carol", TERMINAL))
    assert amounts == ["-49.75", "950.25"]
    forged = feed(url, "balances", body, secret="not-the-bank")
    assert forged.status_code == 401
    mixed = feed(url, "balances", {**body, "transactions": [tx("T-7", "-1", "X")]})
    assert mixed.status_code == 422 and "/bank/v1/transactions" in mixed.text
