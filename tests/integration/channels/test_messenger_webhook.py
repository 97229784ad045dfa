"""The Messenger webhook end to end over real HTTP.

OpenTeller runs in a real uvicorn server on loopback; a real local HTTP server stands in
for the Graph API and records every Send API call. Webhook bodies are real-shaped
(entries, batches, echoes, quick replies, locations) and carry real signatures.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from openteller.bootstrap import App
from openteller.channels.messenger.signature import appsecret_proof, sign
from openteller.ingest.registry import build_readers
from openteller.web.app import create_app
from tests.db import make_settings
from tests.samples import fixture

SECRET = "app-secret-for-tests"
VERIFY = "verify-token-for-tests"
PAGE_TOKEN = "page-token-for-tests"
PAGE = "106785364839212"
ALICE = "1254459154682919"  # a linked PSID
STRANGER = "2040113339408822"


class GraphRecorder(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Graph)
        self.calls: list[dict[str, Any]] = []
        self.actions: list[dict[str, Any]] = []
        self.order: list[str] = []  # "action" or "message", as they came


class _Graph(BaseHTTPRequestHandler):
    server: GraphRecorder

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        query = parse_qs(urlparse(self.path).query)
        received = json.loads(self.rfile.read(length))
        self.server.order.append("action" if "sender_action" in received else "message")
        if "sender_action" in received:  # typing indicators: not messages
            self.server.actions.append(received)
            self._answer()
            return
        self.server.calls.append(
            {
                "path": urlparse(self.path).path,
                "query": {k: v[0] for k, v in query.items()},
                "body": received,
            }
        )
        self._answer()

    def _answer(self) -> None:
        answer = json.dumps({"recipient_id": "x", "message_id": f"m_{len(self.server.calls)}"})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args: object) -> None:
        pass


def _serve(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def graph() -> Iterator[GraphRecorder]:
    recorder = GraphRecorder()
    _serve(recorder)
    yield recorder
    recorder.shutdown()
    recorder.server_close()


@pytest.fixture
def server(
    request: pytest.FixtureRequest,
    graph: GraphRecorder,
    database_url: str,
    keystore_url: str | None,
    tmp_path: Path,
) -> Iterator[tuple[str, App]]:
    more_settings = getattr(request, "param", {})  # from an indirect parametrisation
    app = App(
        make_settings(
            database_url,
            keystore_url,
            tmp_path,
            messenger_app_secret=SECRET,
            messenger_verify_token=VERIFY,
            messenger_page_token=PAGE_TOKEN,
            messenger_graph_url=f"http://127.0.0.1:{graph.server_address[1]}/v21.0",
            demo_login_password="demo-pass",
            **more_settings,
        )
    )
    app.init()
    app.ingest.ingest_file(fixture("ofx/ofxparse__checking.ofx"), "alice", build_readers())
    app.messenger.link(ALICE, "alice")
    config = uvicorn.Config(create_app(app), host="127.0.0.1", port=0, log_level="error")
    web = uvicorn.Server(config)
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 180  # a fresh machine trains the model at start
    while not web.started and time.monotonic() < deadline:
        time.sleep(0.05)
    port = web.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", app
    web.should_exit = True
    thread.join(timeout=10)
    app.close()


def body(*messaging: dict[str, Any], page: str = PAGE) -> bytes:
    return json.dumps(
        {
            "object": "page",
            "entry": [{"id": page, "time": 1732000000000, "messaging": list(messaging)}],
        }
    ).encode()


def text_message(psid: str, mid: str, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "sender": {"id": psid},
        "recipient": {"id": PAGE},
        "timestamp": 1732000000000,
        "message": {"mid": mid, "text": text, **extra},
    }


def post(url: str, raw: bytes, signature: str | None = "auto") -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature == "auto":
        headers["X-Hub-Signature-256"] = sign(SECRET.encode(), raw)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return httpx.post(f"{url}/webhooks/messenger", content=raw, headers=headers, timeout=10)


def wait_for(graph: GraphRecorder, count: int, seconds: float = 15) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while len(graph.calls) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return graph.calls


def test_verification_handshake(server: tuple[str, App]) -> None:
    url, _app = server
    ok = httpx.get(
        f"{url}/webhooks/messenger",
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"},
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = httpx.get(
        f"{url}/webhooks/messenger",
        params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
    )
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "forbidden"


def test_a_signed_question_is_answered_through_the_send_api(
    server: tuple[str, App], graph: GraphRecorder
) -> None:
    url, _app = server
    response = post(url, body(text_message(ALICE, "m_1", "what's my balance?")))
    assert response.status_code == 200 and response.text == "EVENT_RECEIVED"
    (call,) = wait_for(graph, 1)
    assert call["path"] == "/v21.0/me/messages"
    assert call["query"]["access_token"] == PAGE_TOKEN
    assert call["query"]["appsecret_proof"] == appsecret_proof(SECRET.encode(), PAGE_TOKEN)
    assert call["body"]["recipient"] == {"id": ALICE}
    assert call["body"]["messaging_type"] == "RESPONSE"
    assert "$75.99 available" in call["body"]["message"]["text"]
    assert "1452687" not in json.dumps(call["body"])  # never a full account number


@pytest.mark.parametrize(
    ("posts", "items"),
    [(3, 1), (1, 2)],
    ids=["the same post retried three times", "a message twice in one post"],
)
def test_a_message_delivered_more_than_once_is_answered_once(
    server: tuple[str, App], graph: GraphRecorder, posts: int, items: int
) -> None:
    url, _app = server
    raw = body(*[text_message(ALICE, "m_same", "hi")] * items)
    for _ in range(posts):
        assert post(url, raw).status_code == 200
    wait_for(graph, 1)
    time.sleep(0.5)
    assert len(graph.calls) == 1


def test_batches_unknown_senders_echoes_and_receipts(
    server: tuple[str, App], graph: GraphRecorder
) -> None:
    url, _app = server
    raw = body(
        text_message(STRANGER, "m_2", "how much did I spend?"),
        text_message(ALICE, "m_3", "x", is_echo=True),  # the page's own message: ignored
        {
            "sender": {"id": ALICE},
            "recipient": {"id": PAGE},
            "timestamp": 1,
            "delivery": {"mids": ["m_1"], "watermark": 1},
        },
        {"sender": {"id": ALICE}, "recipient": {"id": PAGE}, "timestamp": 2, "reaction": {}},
        text_message(ALICE, "m_4", "thanks"),
    )
    assert post(url, raw).status_code == 200
    calls = wait_for(graph, 2)
    time.sleep(0.5)
    by_recipient = {c["body"]["recipient"]["id"]: c["body"] for c in graph.calls}
    assert set(by_recipient) == {STRANGER, ALICE} and len(graph.calls) == 2
    link = by_recipient[STRANGER]["message"]["attachment"]["payload"]
    assert link["template_type"] == "button" and "link your bank account" in link["text"]
    assert "welcome" in by_recipient[ALICE]["message"]["text"].lower()
    del calls


def test_quick_replies_respect_the_platform_limits(
    server: tuple[str, App], graph: GraphRecorder
) -> None:
    url, _app = server
    post(url, body(text_message(ALICE, "m_5", "hello")))
    (call,) = wait_for(graph, 1)
    quick = call["body"]["message"]["quick_replies"]
    assert 0 < len(quick) <= 13 and all(len(q["title"]) <= 20 for q in quick)


@pytest.mark.parametrize(
    ("signature", "status"),
    [(None, 403), ("sha256=" + "0" * 64, 403), ("sha1=abc", 403)],
)
def test_missing_or_forged_signatures_are_refused(
    server: tuple[str, App], graph: GraphRecorder, signature: str | None, status: int
) -> None:
    url, _app = server
    response = post(url, body(text_message(ALICE, "m_6", "balance")), signature=signature)
    assert response.status_code == status
    assert response.json()["error"]["status"] == status
    time.sleep(0.3)
    assert graph.calls == []


def test_signed_garbage_is_acknowledged_and_dropped(
    server: tuple[str, App], graph: GraphRecorder
) -> None:
    url, app = server
    for raw in (b"{not json", json.dumps({"object": "instagram"}).encode(), b"\xff\xfe"):
        assert post(url, raw).status_code == 200
    assert [r.action for r in app.audit.records()].count("webhook_dropped") == 3
    assert post(url, b"x" * 1_000_001).status_code == 413
    time.sleep(0.3)
    assert graph.calls == []


def test_unicode_is_verified_on_the_raw_bytes(
    server: tuple[str, App], graph: GraphRecorder
) -> None:
    url, _app = server
    raw = (
        b'{"object":"page","entry":[{"id":"' + PAGE.encode() + b'","time":1,"messaging":[{"sender"'
        b':{"id":"' + ALICE.encode() + b'"},"recipient":{"id":"' + PAGE.encode() + b'"},"timestamp'
        b'":1,"message":{"mid":"m_u","text":"Gr\\u00fc\\u00dfe, wie ist mein Kontostand?"}}]}]}'
    )
    assert post(url, raw).status_code == 200
    assert len(wait_for(graph, 1)) == 1


def test_health_readiness_and_metrics(server: tuple[str, App]) -> None:
    url, _app = server
    assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{url}/readyz").json() == {"status": "ready"}
    post(url, body(text_message(ALICE, "m_7", "hi")), signature=None)
    metrics = httpx.get(f"{url}/metrics").text
    assert 'openteller_webhook_requests_total{result="bad_signature"} 1.0' in metrics
    missing = httpx.get(f"{url}/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


REDIRECT = "https://www.facebook.com/messenger_platform/account_linking/?account_linking_token=T"


def test_account_linking_from_the_button_to_the_consent(
    server: tuple[str, App], graph: GraphRecorder
) -> None:
    url, app = server
    post(url, body(text_message(STRANGER, "m_l1", "what's my balance?")))
    (prompt,) = wait_for(graph, 1)
    button = prompt["body"]["message"]["attachment"]["payload"]["buttons"][0]
    assert button == {"type": "account_link", "url": "http://localhost:8000/messenger/link"}
    form = httpx.get(f"{url}/messenger/link", params={"redirect_uri": REDIRECT})
    assert form.status_code == 200 and 'name="password"' in form.text
    assert "Never for advertising" in form.text
    wrong = httpx.post(
        f"{url}/messenger/link",
        data={"redirect_uri": REDIRECT, "customer": "alice", "password": "nope"},
    )
    assert wrong.status_code == 401 and "Wrong customer number or password" in wrong.text
    done = httpx.post(
        f"{url}/messenger/link",
        data={"redirect_uri": REDIRECT, "customer": "alice", "password": "demo-pass"},
    )
    assert done.status_code == 303
    location = done.headers["location"]
    assert location.startswith(REDIRECT + "&authorization_code=")
    code = location.split("authorization_code=")[1]
    linking = {
        "sender": {"id": STRANGER},
        "recipient": {"id": PAGE},
        "timestamp": 3,
        "account_linking": {"status": "linked", "authorization_code": code},
    }
    assert post(url, body(linking)).status_code == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and app.messenger._customer_of(STRANGER) is None:
        time.sleep(0.05)
    assert app.messenger._customer_of(STRANGER) == "alice"
    post(url, body(text_message(STRANGER, "m_l2", "what's my balance?")))
    answered = wait_for(graph, 2)
    assert "$75.99 available" in answered[1]["body"]["message"]["text"]
    # The code was single-use: replaying the event links nobody else.
    replay = {**linking, "sender": {"id": "3000000000000001"}, "timestamp": 4}
    post(url, body(replay))
    time.sleep(0.5)
    assert app.messenger._customer_of("3000000000000001") is None
    # Unlinking revokes the consent.
    unlink = {
        "sender": {"id": STRANGER},
        "recipient": {"id": PAGE},
        "timestamp": 5,
        "account_linking": {"status": "unlinked"},
    }
    post(url, body(unlink))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and app.messenger._customer_of(STRANGER) is not None:
        time.sleep(0.05)
    assert app.messenger._customer_of(STRANGER) is None


def test_the_link_page_refuses_other_redirects(server: tuple[str, App]) -> None:
    url, _app = server
    evil = httpx.get(f"{url}/messenger/link", params={"redirect_uri": "https://evil.example/x"})
    assert evil.status_code == 400
    form = httpx.post(
        f"{url}/messenger/link",
        content=b"{}",
        headers={"Content-Type": "application/json"},
    )
    assert form.status_code == 415


def test_quick_reply_payloads_are_opaque_sealed_and_checked(
    server: tuple[str, App], graph: GraphRecorder
) -> None:
    url, app = server
    post(url, body(text_message(ALICE, "m_q1", "hello")))
    (offer,) = wait_for(graph, 1)
    choices = {q["title"]: q["payload"] for q in offer["body"]["message"]["quick_replies"]}
    sealed = choices["My balance"]
    assert sealed.startswith("ot1.") and "balance" not in sealed
    tapped = text_message(ALICE, "m_q2", "My balance", quick_reply={"payload": sealed})
    post(url, body(tapped))
    answered = wait_for(graph, 2)
    assert "available" in answered[1]["body"]["message"]["text"]
    forged = text_message(
        ALICE, "m_q3", "My balance", quick_reply={"payload": sealed[:-4] + "AAAA"}
    )
    other = text_message(STRANGER, "m_q4", "My balance", quick_reply={"payload": sealed})
    post(url, body(forged, other))  # tampered, and replayed by another user
    time.sleep(1)
    assert len(graph.calls) == 2
    assert [r.action for r in app.audit.records()].count("webhook_dropped") == 2


def test_a_quick_answer_goes_out_without_a_typing_indicator(
    server: tuple[str, App], graph: GraphRecorder
) -> None:
    url, _app = server
    post(url, body(text_message(ALICE, "m_t1", "hello")))  # the first answer warms up
    wait_for(graph, 1)
    actions_before = len(graph.actions)
    post(url, body(text_message(ALICE, "m_t2", "what's my balance?")))
    _, answer = wait_for(graph, 2)
    assert "$75.99 available" in answer["body"]["message"]["text"]
    time.sleep(0.5)  # past the indicator's delay
    assert len(graph.actions) == actions_before  # ready in milliseconds: no "typing..."


@pytest.mark.parametrize("server", [{"messenger_typing_after_ms": 0}], indirect=True)
def test_the_typing_indicator_before_every_answer_when_set_to_0(
    server: tuple[str, App], graph: GraphRecorder
) -> None:
    url, _app = server
    post(url, body(text_message(ALICE, "m_t3", "what's my balance?")))
    (answer,) = wait_for(graph, 1)
    assert "$75.99 available" in answer["body"]["message"]["text"]
    assert graph.actions == [{"recipient": {"id": ALICE}, "sender_action": "typing_on"}]
    assert graph.order == ["action", "message"]


def test_a_chart_as_an_image_the_platform_can_fetch_briefly(
    server: tuple[str, App], graph: GraphRecorder
) -> None:
    url, _app = server
    post(url, body(text_message(ALICE, "m_c1", "break down my spending in April 2011")))
    text, image = wait_for(graph, 2)
    assert "$59.51" in text["body"]["message"]["text"]
    attachment = image["body"]["message"]["attachment"]
    assert attachment["type"] == "image" and attachment["payload"]["is_reusable"] is False
    path = urlparse(attachment["payload"]["url"]).path
    assert path.startswith("/i/") and path.endswith(".png")
    fetched = httpx.get(f"{url}{path}")
    assert fetched.status_code == 200 and fetched.content.startswith(b"\x89PNG")
    assert fetched.headers["content-type"] == "image/png"
    forged = httpx.get(f"{url}/i/{'0' * 32}.1.{'A' * 43}.png")
    assert forged.status_code == 410


def test_a_chunked_body_past_the_limit_is_refused_as_it_arrives(
    server: tuple[str, App], graph: GraphRecorder
) -> None:
    """No Content-Length to refuse it by: the webhook stops reading past 1,000,000 bytes."""
    url, _app = server

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"x" * 65_536  # 2.6 MB in all

    response = httpx.post(
        f"{url}/webhooks/messenger",
        content=chunks(),
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=00"},
        timeout=10,
    )
    assert response.status_code == 413
    assert response.json()["error"] == {
        "status": 413,
        "code": "request_entity_too_large",
        "message": "the body is larger than 1000000 bytes",
    }
    assert graph.calls == []


def test_an_event_that_cannot_be_stored_is_not_acknowledged(
    server: tuple[str, App], graph: GraphRecorder
) -> None:
    """Meta retries what is not acknowledged: a store that fails gives a 500 in the one
    error shape, never a 200 for an event that was not kept."""
    url, app = server
    with app.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE channel_inbox RENAME TO channel_inbox_away"))
    try:
        response = post(url, body(text_message(ALICE, "m_lost", "balance")))
    finally:
        with app.engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE channel_inbox_away RENAME TO channel_inbox"))
    assert response.status_code == 500
    assert response.json()["error"] == {
        "status": 500,
        "code": "internal_server_error",
        "message": "internal error (logged)",
    }
    # Meta's retry is stored and answered once the store works again
    assert post(url, body(text_message(ALICE, "m_lost", "balance"))).status_code == 200
    assert len(wait_for(graph, 1)) == 1


@pytest.mark.parametrize("server", [{"messenger_page_id": f"{PAGE}, 99"}], indirect=True)
def test_events_for_a_page_it_does_not_serve_are_dropped_and_audited(
    server: tuple[str, App], graph: GraphRecorder
) -> None:
    url, app = server
    other = body(text_message(ALICE, "m_p1", "what's my balance?"), page="555000111")
    assert post(url, other).status_code == 200  # acknowledged: Meta must not retry it
    assert post(url, body(text_message(ALICE, "m_p2", "what's my balance?"))).status_code == 200
    (answer,) = wait_for(graph, 1)
    time.sleep(0.5)
    assert len(graph.calls) == 1  # only the post for the page served is answered
    assert "$75.99 available" in answer["body"]["message"]["text"]
    dropped = [r for r in app.audit.records() if r.action == "webhook_dropped"]
    assert [json.loads(r.detail) for r in dropped] == [
        {"reason": "a page this service does not serve", "page": "555000111"}
    ]
