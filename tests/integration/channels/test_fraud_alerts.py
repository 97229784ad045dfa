"""A bank's fraud alert from the signed intake to the customer's "No, freeze my card".

Real uvicorn server, real local Graph API recorder, real signatures.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest.mock import ANY

import httpx
import pytest
import sqlalchemy as sa

from openteller.bootstrap import App
from openteller.channels.messenger.signature import sign
from openteller.domain.fraud_alert import Alert, AlertInvalid
from openteller.privacy.access import UnknownCustomer
from openteller.services.alerts import AlertDelivery, AlertPost
from openteller.services.bank_signing import BankRequestRefused, bank_signature
from tests.integration.channels.test_messenger_webhook import (
    ALICE,
    GraphRecorder,
    body,
    graph,  # noqa: F401 - fixture
    post,
    server,  # noqa: F401 - fixture
    text_message,
    wait_for,
)
from tests.integration.channels.test_messenger_webhook import SECRET as APP_SECRET

KEY_ID, SECRET = "bank-2026", "bank-api-secret"


def alert(alert_id: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "alert_id": alert_id,
        "customer": "alice",
        "card_last4": "6877",
        "transaction": {"amount": "249.99", "currency": "USD", "merchant": "ELECTRO WORLD"},
        "reason": "unusual merchant",
        "severity": "high",
    }
    data.update(overrides)
    return data


def send(
    url: str,
    data: Any,
    *,
    key: str = KEY_ID,
    secret: str = SECRET,
    skew: int = 0,
    idempotency: str | None = None,
) -> httpx.Response:
    raw = json.dumps(data).encode()
    stamp = str(int(time.time()) + skew)
    return httpx.post(
        f"{url}/bank/v1/alerts",
        content=raw,
        headers={
            "Content-Type": "application/json",
            "X-OpenTeller-Key-Id": key,
            "X-OpenTeller-Timestamp": stamp,
            "X-OpenTeller-Signature": bank_signature(secret.encode(), stamp, raw),
            "Idempotency-Key": idempotency or uuid.uuid4().hex,
        },
    )


def status(url: str, alert_id: str) -> dict[str, Any]:
    stamp = str(int(time.time()))
    response = httpx.get(
        f"{url}/bank/v1/alerts/{alert_id}",
        headers={
            "X-OpenTeller-Key-Id": KEY_ID,
            "X-OpenTeller-Timestamp": stamp,
            "X-OpenTeller-Signature": bank_signature(SECRET.encode(), stamp, b""),
        },
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


class BankCallbacks(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Callback)
        self.received: list[dict[str, Any]] = []
        self.failures = [500]  # the bank is down once


class _Callback(BaseHTTPRequestHandler):
    server: BankCallbacks

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        stamp = self.headers["X-OpenTeller-Timestamp"]
        signed = self.headers["X-OpenTeller-Signature"] == bank_signature(b"x", stamp, raw)
        self.server.received.append({"body": json.loads(raw), "signed": signed})
        status = self.server.failures.pop(0) if self.server.failures else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def callbacks() -> Iterator[BankCallbacks]:
    bank_server = BankCallbacks()
    threading.Thread(target=bank_server.serve_forever, daemon=True).start()
    yield bank_server
    bank_server.shutdown()
    bank_server.server_close()


@pytest.fixture
def bank(
    server: tuple[str, App],  # noqa: F811
    callbacks: BankCallbacks,
) -> Iterator[tuple[str, App]]:
    url, app = server
    app.settings.bank_api_keys = type(app.settings.messenger_app_secret)(  # type: ignore[misc]
        f"old:x,{KEY_ID}:{SECRET}"
    )
    app.settings.bank_callback_url = f"http://127.0.0.1:{callbacks.server_address[1]}/answers"
    yield url, app


def test_an_alert_is_asked_about_and_no_freezes_the_card(
    bank: tuple[str, App],
    graph: GraphRecorder,  # noqa: F811
    callbacks: BankCallbacks,
) -> None:
    url, app = bank
    accepted = send(url, alert("A-1"))
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status"] == "delivered"
    (question,) = wait_for(graph, 1)
    message = question["body"]
    assert message["messaging_type"] == "MESSAGE_TAG" and message["tag"] == "ACCOUNT_UPDATE"
    assert "was this you?" in message["message"]["text"].lower()
    assert "249.99 USD at ELECTRO WORLD" in message["message"]["text"]
    choices = {q["title"]: q["payload"] for q in message["message"]["quick_replies"]}
    assert set(choices) == {"Yes, it was me", "No, freeze my card"}
    assert all(p.startswith("ot1.") for p in choices.values())
    tapped = text_message(
        ALICE, "m_a1", "No, freeze my card", quick_reply={"payload": choices["No, freeze my card"]}
    )
    post(url, body(tapped))
    answered = wait_for(graph, 2)
    assert "is now frozen" in answered[1]["body"]["message"]["text"]
    assert any(c.frozen for c in app.bank_core.cards("alice"))
    life = status(url, "A-1")
    assert life["status"] == "denied" and life["answered_at"]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and status(url, "A-1")["reported_at"] is None:
        time.sleep(0.1)
    assert callbacks.received, "no callback at all"
    assert status(url, "A-1")["reported_at"]  # reported, after the bank failed once
    assert [c["body"]["answer"] for c in callbacks.received] == ["denied", "denied"]
    assert all(c["signed"] for c in callbacks.received)
    again = text_message(ALICE, "m_a2", "Yes", quick_reply={"payload": choices["Yes, it was me"]})
    post(url, body(again))
    assert "already answered" in wait_for(graph, 3)[2]["body"]["message"]["text"]
    actions = [r.action for r in app.audit.records()]
    assert {"fraud_alert_received", "fraud_alert_answered", "card_frozen"} <= set(actions)


def test_the_same_alert_twice_is_delivered_once(
    bank: tuple[str, App],
    graph: GraphRecorder,  # noqa: F811
) -> None:
    url, _app = bank
    first, again = send(url, alert("A-2")), send(url, alert("A-2"))
    assert first.status_code == again.status_code == 202
    # Both answers describe the alert as stored (the retry's read back, the first's not).
    life = {key: value for key, value in first.json().items() if key != "channels"}
    assert life == {key: value for key, value in again.json().items() if key != "channels"}
    assert life == status(url, "A-2")
    assert life["status"] == "delivered" and life["answered_at"] is None
    wait_for(graph, 1)
    time.sleep(0.5)
    assert len(graph.calls) == 1


@pytest.mark.parametrize(
    ("how", "status_code"),
    [("bad_key", 401), ("bad_secret", 401), ("old", 401), ("replay", 409)],
)
def test_unsigned_stale_and_replayed_requests_are_refused(
    bank: tuple[str, App],
    graph: GraphRecorder,  # noqa: F811
    how: str,
    status_code: int,
) -> None:
    url, _app = bank
    if how == "replay":
        assert send(url, alert("A-3"), idempotency="same").status_code == 202
        response = send(url, alert("A-4"), idempotency="same")
    else:
        response = send(
            url,
            alert("A-3"),
            key="nope" if how == "bad_key" else KEY_ID,
            secret="wrong" if how == "bad_secret" else SECRET,
            skew=-600 if how == "old" else 0,
        )
    assert response.status_code == status_code
    assert response.json()["error"]["status"] == status_code


def test_a_refused_alert_can_be_corrected_and_sent_again_with_the_same_key(
    bank: tuple[str, App],
    graph: GraphRecorder,  # noqa: F811
) -> None:
    url, _app = bank
    wrong_card = send(url, alert("A-14", card_last4="9999"), idempotency="retry-me")
    assert wrong_card.status_code == 422
    fixed = send(url, alert("A-14"), idempotency="retry-me")  # nothing was stored before
    assert fixed.status_code == 202 and fixed.json()["status"] == "delivered"
    again = send(url, alert("A-14"), idempotency="retry-me")
    assert again.status_code == 409 and "replay" in again.json()["error"]["message"]
    assert len(wait_for(graph, 1)) == 1


def test_bad_alerts_and_missing_consent_are_named(
    bank: tuple[str, App],
    graph: GraphRecorder,  # noqa: F811
) -> None:
    url, app = bank
    bad = send(
        url, alert("A-5", transaction={"amount": "lots", "currency": "USD", "merchant": "X"})
    )
    assert bad.status_code == 422 and "transaction.amount" in bad.json()["error"]["message"]
    full_card = send(url, alert("A-6", card_last4="4111111111111111"))
    assert full_card.status_code == 422 and "card_last4" in full_card.json()["error"]["message"]
    for view in app.consents.list("alice"):
        app.consents.revoke("alice", view.consent.id)
    web_only = send(url, alert("A-7"))  # the bank's own web chat still tells the customer
    assert web_only.status_code == 202 and web_only.json()["channels"] == ["bank_web"]
    denied = [r for r in app.audit.records() if r.outcome == "denied"]
    assert denied and denied[-1].purpose == "fraud_alerts" and denied[-1].actor
    app.settings.demo_login_password = None  # no web chat either: nowhere to deliver
    refused = send(url, alert("A-8"))
    assert refused.status_code == 403 and "fraud alerts" in refused.json()["error"]["message"]
    assert "messenger may not read" in refused.json()["error"]["message"]
    assert len([r for r in app.audit.records() if r.outcome == "denied"]) == len(denied) + 1
    with pytest.raises(AlertInvalid):
        app.alerts.status("A-8")  # nothing stored, nothing delivered
    assert len(graph.calls) == 0


def test_an_unanswered_alert_is_escalated_to_the_bank_once(
    bank: tuple[str, App],
    graph: GraphRecorder,  # noqa: F811
    callbacks: BankCallbacks,
) -> None:
    url, app = bank
    assert send(url, alert("A-9")).status_code == 202
    app.alert_reports._escalate_after = timedelta(0)  # no answer "for long enough"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and status(url, "A-9")["escalated_at"] is None:
        time.sleep(0.1)
    assert status(url, "A-9")["escalated_at"]
    time.sleep(0.5)
    answers = [c["body"]["answer"] for c in callbacks.received]
    assert answers == ["no_answer", "no_answer"]  # failed once, then acknowledged: done
    assert "fraud_alert_escalated" in [r.action for r in app.audit.records()]


def test_inside_the_24_hour_window_an_alert_is_a_standard_update(
    bank: tuple[str, App],
    graph: GraphRecorder,  # noqa: F811
) -> None:
    url, _app = bank
    post(url, body(text_message(ALICE, "m_w1", "hi")))
    wait_for(graph, 1)
    assert send(url, alert("A-10")).status_code == 202
    message = wait_for(graph, 2)[1]["body"]
    assert message["messaging_type"] == "UPDATE" and "tag" not in message
    assert "was this you?" in message["message"]["text"].lower()


def test_a_new_process_whose_first_work_is_a_tap_answers_the_alert(
    bank: tuple[str, App],
    graph: GraphRecorder,  # noqa: F811
) -> None:
    url, app = bank
    assert send(url, alert("A-11")).status_code == 202
    choices = {
        q["title"]: q["payload"] for q in wait_for(graph, 1)[0]["body"]["message"]["quick_replies"]
    }
    fresh = App(app.settings)  # another process: nothing built yet but what it needs
    try:
        tap = text_message(ALICE, "m_n1", "Yes", quick_reply={"payload": choices["Yes, it was me"]})
        raw = body(tap)
        assert fresh.messenger.receive(raw, sign(APP_SECRET.encode(), raw)) == 1
        while fresh.messenger.process():
            pass
        assert fresh.alerts.status("A-11")["status"] == "confirmed"
    finally:
        fresh.close()


def test_alerts_for_unknown_customers_or_cards_are_refused_and_audited(
    bank: tuple[str, App],
    graph: GraphRecorder,  # noqa: F811
) -> None:
    url, app = bank
    nobody = send(url, alert("A-12", customer="nobody"))
    assert nobody.status_code == 404 and "no customer 'nobody'" in nobody.json()["error"]["message"]
    other_card = send(url, alert("A-13", card_last4="9999"))
    assert other_card.status_code == 422
    assert "no account of customer 'alice' ends in 9999" in other_card.json()["error"]["message"]
    for refused in ("A-12", "A-13"):
        with pytest.raises(AlertInvalid):
            app.alerts.status(refused)  # nothing stored
    denied = [r for r in app.audit.records() if r.outcome == "denied"]
    assert any(r.customer_ref == "" and r.purpose == "fraud_alerts" for r in denied)
    assert any(r.action == "fraud_alert_refused" for r in denied)  # the unknown card
    time.sleep(0.5)
    assert graph.calls == []  # nothing delivered


def test_alerts_posted_together_share_one_transaction_each_with_its_own_outcome(
    bank: tuple[str, App],
    graph: GraphRecorder,  # noqa: F811
) -> None:
    url, app = bank
    assert send(url, alert("G-0"), idempotency="used").status_code == 202
    now = datetime.now(UTC)
    batch = [
        (alert("G-1"), "g-1"),
        (alert("G-2", card_last4="9999"), "g-2"),  # not her card
        (alert("G-3", customer="nobody"), "g-3"),  # no such customer
        (alert("G-4"), "used"),  # an earlier post's key: a replay
        (alert("G-1"), "g-5"),  # the batch's own alert again: a retry
        (alert("G-6"), "g-1"),  # the batch's own key again: a replay
        (alert("G-7"), "g-7"),
    ]
    me, commits = threading.get_ident(), 0

    def count(_conn: object) -> None:
        nonlocal commits
        if threading.get_ident() == me:  # not the server's worker delivering meanwhile
            commits += 1

    sa.event.listen(app.engine, "commit", count)
    try:
        outcomes = app.alerts.receive_many(
            [AlertPost(Alert.parse(data, now), key) for data, key in batch]
        )
    finally:
        sa.event.remove(app.engine, "commit", count)
    first, wrong_card, nobody, replay, retry, replay_in_batch, last = outcomes
    assert isinstance(first, dict) and first["status"] == "delivered"
    assert isinstance(wrong_card, AlertInvalid) and "ends in 9999" in str(wrong_card)
    assert isinstance(nobody, UnknownCustomer) and "no customer 'nobody'" in str(nobody)
    for refused in (replay, replay_in_batch):
        assert isinstance(refused, BankRequestRefused) and refused.status == 409
        assert "replay" in str(refused)
    assert retry == first  # answered as stored the first time, like sequential posts
    assert isinstance(last, dict) and last["status"] == "delivered"
    # Two refusals audited in transactions of their own, the rest stored in one.
    assert commits <= 3 < len(batch)
    for refused_id in ("G-2", "G-3", "G-4", "G-6"):
        with pytest.raises(AlertInvalid):
            app.alerts.status(refused_id)  # nothing stored
    received = [
        r.details()["alert"] for r in app.audit.records() if r.action == "fraud_alert_received"
    ]
    assert received == ["G-0", "G-1", "G-7"]  # one entry per alert stored, in order
    assert app.audit.verify().ok
    # A refused post's key was not kept: the corrected post may use it.
    assert send(url, alert("G-2"), idempotency="g-2").status_code == 202
    wait_for(graph, 4)
    time.sleep(0.5)
    assert len(graph.calls) == 4  # G-0, G-1 (once, though posted twice), G-7, G-2


def test_a_batch_stores_its_keys_and_alerts_with_one_insert_each_as_if_sequential(
    bank: tuple[str, App],
    graph: GraphRecorder,  # noqa: F811
) -> None:
    url, app = bank
    assert send(url, alert("H-0"), idempotency="h-used").status_code == 202
    now = datetime.now(UTC)
    batch = [
        (alert("H-1"), "h-used"),  # a replay: H-1 is not stored by this post...
        (alert("H-1"), "h-2"),  # ...so this one stores it
        (alert("H-0"), "h-3"),  # stored before the batch: a retry
        (alert("H-4"), "h-4"),
    ]
    inserts: list[str] = []
    me = threading.get_ident()

    def count(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        if threading.get_ident() == me and statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement.split("(", 1)[0].split()[-1].strip('"'))

    sa.event.listen(app.engine, "before_cursor_execute", count)
    try:
        replay, stored, retry, last = app.alerts.receive_many(
            [AlertPost(Alert.parse(data, now), key) for data, key in batch]
        )
    finally:
        sa.event.remove(app.engine, "before_cursor_execute", count)
    assert isinstance(replay, BankRequestRefused) and replay.status == 409
    assert isinstance(stored, dict) and stored["alert_id"] == "H-1"
    assert isinstance(retry, dict) and retry == {**app.alerts.status("H-0"), "channels": ANY}
    assert isinstance(last, dict) and last["status"] == "delivered"
    assert inserts.count("bank_requests") == 1 and inserts.count("fraud_alerts") == 1
    assert inserts.count("channel_outbox") == 1  # the Messenger messages of all three
    received = [
        r.details()["alert"] for r in app.audit.records() if r.action == "fraud_alert_received"
    ]
    assert received == ["H-0", "H-1", "H-4"]
    assert app.audit.verify().ok


def test_a_batch_reads_consents_links_and_preferences_once_whatever_its_size(
    bank: tuple[str, App],
    graph: GraphRecorder,  # noqa: F811
) -> None:
    """Consents, Messenger links and discreet-mode choices are read, and the Messenger
    messages queued, with one statement each per batch: a batch of six alerts (two
    customers, one in discreet mode) costs what a batch of two does."""
    _url, app = bank
    with app.engine.begin() as conn:
        app.store.get_or_create_customer(conn, "bob")
    app.consents.set_discreet("bob", True)
    app.consents.grant(
        "bob", channel="messenger", purposes=["fraud_alerts"], scopes=["fraud_alerts"]
    )
    app.messenger.link("5550001", "bob")
    me = threading.get_ident()
    now = datetime.now(UTC)

    def statements_of(alerts: list[dict[str, Any]]) -> Counter[str]:
        tables: Counter[str] = Counter()

        def count(_c: object, _cur: object, statement: str, *_rest: object) -> None:
            if threading.get_ident() == me:
                words = statement.replace("(", " ").split()
                verb = words[0].upper()
                table = (
                    words[words.index("INTO") + 1]
                    if verb == "INSERT"
                    else (words[words.index("FROM") + 1] if "FROM" in words else "")
                )
                tables[f"{verb} {table.strip(chr(34))}"] += 1

        sa.event.listen(app.engine, "before_cursor_execute", count)
        try:
            outcomes = app.alerts.receive_many(
                [AlertPost(Alert.parse(data, now), uuid.uuid4().hex) for data in alerts]
            )
        finally:
            sa.event.remove(app.engine, "before_cursor_execute", count)
        assert all(isinstance(o, dict) and o["status"] == "delivered" for o in outcomes), outcomes
        return tables

    two = statements_of([alert("S-1"), alert("S-2", customer="bob", card_last4=None)])
    six = statements_of(
        [alert(f"S-{n}") for n in range(3, 6)]
        + [alert(f"S-{n}", customer="bob", card_last4=None) for n in range(6, 9)]
    )
    for kind in (
        "SELECT consents",
        "SELECT messenger_links",
        "SELECT customer_preferences",
        "INSERT channel_outbox",
    ):
        assert two[kind] == six[kind] >= 1, (kind, two, six)
    calls = wait_for(graph, 8)
    bobs = [c["body"] for c in calls if c["body"]["recipient"]["id"] == "5550001"]
    assert len(bobs) == 4  # one message per alert and PSID
    for call in bobs:  # discreet: no amount, a link to the answer instead
        text = json.dumps(call)
        assert "249.99" not in text and "/r/" in text, text


def test_concurrent_alert_posts_each_get_their_own_answer(
    bank: tuple[str, App],
    graph: GraphRecorder,  # noqa: F811
) -> None:
    url, app = bank
    posts = [(alert(f"C-{n}"), f"c-{n}") for n in range(8)]
    posts += [
        (alert("C-wrong", card_last4="9999"), "c-wrong"),
        (alert("C-nobody", customer="nobody"), "c-nobody"),
        (alert("C-bad", transaction={"amount": "lots", "currency": "USD", "merchant": "X"}), "b"),
        (alert("C-again"), "c-0"),  # a key used by another post of the burst
    ]
    with ThreadPoolExecutor(len(posts)) as pool:
        answers = list(pool.map(lambda p: send(url, p[0], idempotency=p[1]), posts))
    codes = [a.status_code for a in answers]
    # c-0 is used twice: whichever post was stored first wins, the other is the replay.
    assert sorted([codes[0], codes[-1]]) == [202, 409]
    assert codes[1:8] == [202] * 7
    assert codes[8:11] == [422, 404, 422]
    assert "ends in 9999" in answers[8].json()["error"]["message"]
    assert "transaction.amount" in answers[10].json()["error"]["message"]
    assert all(a.json()["status"] == "delivered" for a in answers if a.status_code == 202)
    assert len(wait_for(graph, 8)) == 8
    assert app.audit.verify().ok


def test_a_failed_batch_fails_each_of_its_posts_and_stores_none(
    bank: tuple[str, App],
    graph: GraphRecorder,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _url, app = bank
    enabled = app.alerts._channels()

    def broken(conn: sa.Connection, deliveries: Sequence[AlertDelivery]) -> int:
        if any(delivery.alert_id == "F-2" for delivery in deliveries):
            raise RuntimeError("the outbox is full")
        return enabled["bank_web"](conn, deliveries)

    monkeypatch.setattr(app.alerts, "_channels", lambda: {**enabled, "bank_web": broken})
    now = datetime.now(UTC)
    posts = [AlertPost(Alert.parse(alert(f"F-{n}"), now), f"f-{n}") for n in (1, 2, 3)]
    posts.append(AlertPost(Alert.parse(alert("F-4", customer="nobody"), now), "f-4"))
    *failed, nobody = app.alerts.receive_many(posts)
    assert all(isinstance(o, RuntimeError) and str(o) == "the outbox is full" for o in failed)
    assert isinstance(nobody, UnknownCustomer)  # its own refusal, not the batch's error
    for n in (1, 2, 3):
        with pytest.raises(AlertInvalid):
            app.alerts.status(f"F-{n}")  # nothing of the batch was kept
    assert not any(r.action == "fraud_alert_received" for r in app.audit.records())
    monkeypatch.undo()
    assert app.alerts.receive(posts[0].alert, request_key="f-1")["status"] == "delivered"
