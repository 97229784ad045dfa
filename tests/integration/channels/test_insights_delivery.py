"""Proactive insights from the bank's feed: only for customers who opted in, once each,
to the web chat (live) and to Messenger only inside its 24-hour window; "Stop these"
stops that kind.

Real uvicorn server, real local Graph API recorder, real signatures.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from openteller.bootstrap import App
from openteller.store import schema
from openteller.web.sessions import COOKIE, Sessions
from tests.db import make_settings
from tests.integration.channels.test_bank_feed import feed
from tests.integration.channels.test_fraud_alerts import (  # noqa: F401 - fixtures
    bank,
    callbacks,
)
from tests.integration.channels.test_messenger_webhook import (  # noqa: F401 - fixtures
    ALICE,
    GraphRecorder,
    body,
    graph,
    post,
    server,
    text_message,
    wait_for,
)

NOW = datetime.now(UTC).replace(microsecond=0).isoformat()


def charges(customer: str, merchant: str, amount: str, *ids: str) -> dict[str, Any]:
    return {
        "customer": customer,
        "account": {"id": "CARD-9", "type": "credit_card", "currency": "USD", "name": "Visa"},
        "transactions": [
            {"id": i, "time": NOW, "amount": amount, "merchant": merchant, "terminal": "POS-4"}
            for i in ids
        ],
    }


def opt_in(app: App, customer: str, channel: str) -> None:
    app.consents.grant(
        customer,
        channel=channel,
        purposes=["proactive_insights"],
        scopes=["accounts", "balances", "transactions"],
    )


def next_notice(url: str, cookie: str) -> dict[str, Any]:
    """The first notice the web chat's event stream pushes."""
    with httpx.stream(
        "GET", f"{url}/chat/api/events", cookies={COOKIE: cookie}, timeout=10
    ) as stream:
        event: dict[str, str] = {}
        for line in stream.iter_lines():
            if line.startswith(("event:", "data:", "id:")):
                name, _, value = line.partition(":")
                event[name] = value.strip()
            elif not line and event.get("event") == "notice":
                return {"id": event["id"], **json.loads(event["data"])}
    raise AssertionError("the stream ended without a notice")


def test_insights_need_the_opt_in_and_stop_these_stops_a_kind(bank: tuple[str, App]) -> None:  # noqa: F811
    url, app = bank
    assert (
        feed(url, "transactions", charges("carol", "Gym Club", "-30.00", "G1")).status_code == 202
    )
    assert (
        feed(url, "transactions", charges("carol", "Gym Club", "-30.00", "G2")).status_code == 202
    )
    assert app.web_notices.pending("carol") == []  # a duplicate, but carol never opted in
    opt_in(app, "carol", "bank_web")
    assert (
        feed(url, "transactions", charges("carol", "Netflix", "-9.99", "N1", "N2")).status_code
        == 202
    )
    notices = app.web_notices.pending("carol")  # the gym's, now that she opted in, too
    assert sorted(n.message["text"] for n in notices) == [
        f"Heads-up: {name} charged {amount} 2 times on {NOW[:10]}."
        for name, amount in (("Gym Club", "30.00"), ("Netflix", "9.99"))
    ]
    cookie = Sessions(app.keystore_link_key()).issue("carol")
    pushed = next_notice(url, cookie)
    assert pushed["id"] == notices[0].id and pushed["quick_replies"][0]["title"] == "Stop these"
    stop = pushed["quick_replies"][0]["payload"]
    assert stop.startswith("ot1.") and "duplicate" not in stop
    answer = httpx.post(f"{url}/chat/api/messages", json={"text": stop}, cookies={COOKIE: cookie})
    assert "no more duplicate charge warnings" in answer.json()["text"]
    assert notices[0].id not in {n.id for n in app.web_notices.pending("carol")}  # seen once
    feed(url, "transactions", charges("carol", "Spotify", "-11.99", "S1", "S2"))
    waiting = {n.message["text"] for n in app.web_notices.pending("carol")}
    assert not any("Spotify" in text for text in waiting)  # stopped: no more of this kind
    assert app.insights.settings("carol")["duplicate_charge"][0] is True
    actions = [r.action for r in app.audit.records()]
    assert actions.count("insight_offered") == 2 and "insights_stopped" in actions


def test_low_balance_under_the_customers_threshold_once_a_day(bank: tuple[str, App]) -> None:  # noqa: F811
    url, app = bank
    feed(url, "transactions", charges("carol", "Cafe", "-3.00", "C1"))
    opt_in(app, "carol", "bank_web")
    app.insights.set_low_balance("carol", "100", actor="customer:bank_web")
    low = {
        **charges("carol", "Cafe", "-1", "x"),
        "balances": [{"kind": "available", "amount": "42.10", "as_of": NOW}],
    }
    low.pop("transactions")
    assert feed(url, "balances", low).status_code == 202
    assert feed(url, "balances", low).status_code == 202
    (notice,) = app.web_notices.pending("carol")
    assert "42.10, under your 100 alert" in notice.message["text"]


def test_messenger_gets_insights_only_inside_the_24_hour_window(
    bank: tuple[str, App],  # noqa: F811
    graph: GraphRecorder,  # noqa: F811
) -> None:
    url, app = bank
    opt_in(app, "alice", "messenger")
    feed(url, "transactions", charges("alice", "Hulu", "-7.99", "H1", "H2"))
    assert graph.calls == []  # alice has not written in the last 24 hours
    post(url, body(text_message(ALICE, "m_i1", "hi")))
    wait_for(graph, 1)
    feed(url, "transactions", charges("alice", "Paramount", "-8.99", "P1", "P2"))
    texts = sorted(call["body"]["message"]["text"] for call in wait_for(graph, 3)[1:])
    assert (
        texts
        == [  # Hulu's, held while the window was shut, is news still
            f"Heads-up: {name} charged {amount} 2 times on {NOW[:10]}."
            for name, amount in (("Hulu", "7.99"), ("Paramount", "8.99"))
        ]
    )
    message = graph.calls[1]["body"]
    assert message["messaging_type"] == "UPDATE" and "tag" not in message
    (stop,) = message["message"]["quick_replies"]
    assert stop["title"] == "Stop these"
    post(
        url,
        body(text_message(ALICE, "m_i2", "Stop these", quick_reply={"payload": stop["payload"]})),
    )
    assert "no more duplicate charge warnings" in wait_for(graph, 4)[3]["body"]["message"]["text"]


def test_the_scheduled_check_runs_once_per_interval_across_processes(
    database_url: str, keystore_url: str | None, tmp_path: Path
) -> None:
    settings = make_settings(database_url, keystore_url, tmp_path, demo_login_password="pw")
    first = App(settings)
    first.init()
    second = App(settings)  # another process on the same database
    try:
        for who in ("carol", "dave"):
            first.feed.receive(charges(who, "Gym Club", "-30.00", "G1", "G2"), what="transactions")
        assert first.web_notices.pending("carol") == []  # fed before anyone opted in
        opt_in(first, "carol", "bank_web")
        hour = timedelta(hours=1)

        assert first.insights.check_if_due(hour) == 1  # carol's duplicate, found by the schedule
        assert second.insights.check_if_due(hour) == 0  # not due again for an hour
        assert first.insights.check_if_due(hour) == 0
        (notice,) = first.web_notices.pending("carol")
        assert "Gym Club charged 30.00 2 times" in notice.message["text"]
        assert first.web_notices.pending("dave") == []  # dave never opted in

        with first.engine.begin() as conn:  # an hour later
            conn.execute(sa.update(schema.job_runs).values(next_run_at=datetime.now(UTC)))
        assert second.insights.check_if_due(hour) == 0  # due, but nothing new to say
        with first.engine.connect() as conn:
            (due,) = conn.execute(sa.select(schema.job_runs.c.next_run_at)).scalars()
        assert due.replace(tzinfo=due.tzinfo or UTC) > datetime.now(UTC) + timedelta(minutes=59)
    finally:
        second.close()
        first.close()
