"""Follow-ups and confirmations work whichever process answers the next message: the
context lives in the database (encrypted under the customer's key), not in memory."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from openteller.bootstrap import App
from openteller.channels.messenger.signature import sign
from openteller.ingest.registry import build_readers
from tests.db import make_settings
from tests.samples import fixture

SECRET = "s"
PSID = "1254459154682919"


class Graph(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.texts: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    server: Graph

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        message = body.get("message")
        if message:  # not a typing indicator
            self.server.texts.append(
                message.get("text") or message["attachment"]["payload"].get("text", "")
            )
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def two_processes(
    database_url: str, keystore_url: str | None, tmp_path: Path
) -> Iterator[tuple[App, App, Graph]]:
    graph = Graph()
    threading.Thread(target=graph.serve_forever, daemon=True).start()
    settings = make_settings(
        database_url,
        keystore_url,
        tmp_path,
        messenger_app_secret=SECRET,
        messenger_verify_token="v",
        messenger_page_token="p",
        messenger_graph_url=f"http://127.0.0.1:{graph.server_address[1]}",
    )
    first, second = App(settings), App(settings)
    first.init()
    first.ingest.ingest_file(fixture("ofx/ofxparse__checking.ofx"), "alice", build_readers())
    first.ingest.ingest_file(fixture("ofx/ofxparse__anzcc.ofx"), "alice", build_readers())
    first.messenger.link(PSID, "alice")
    yield first, second, graph
    first.close()
    second.close()
    graph.shutdown()
    graph.server_close()


def say(app: App, mid: str, text: str, quick_reply: str = "") -> None:
    message: dict[str, Any] = {"mid": mid, "text": text}
    if quick_reply:
        message["quick_reply"] = {"payload": quick_reply}
    raw = json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "1",
                    "time": 1,
                    "messaging": [
                        {
                            "sender": {"id": PSID},
                            "recipient": {"id": "1"},
                            "timestamp": 1,
                            "message": message,
                        }
                    ],
                }
            ],
        }
    ).encode()
    assert app.messenger.receive(raw, sign(SECRET.encode(), raw)) == 1
    app.messenger.process()
    app.messenger.deliver()


def test_a_follow_up_answered_by_another_process(
    two_processes: tuple[App, App, Graph],
) -> None:
    first, second, graph = two_processes
    say(first, "m1", "how much did I spend in April 2011?")
    assert "$59.51" in graph.texts[-1]
    say(second, "m2", "and in March 2011?")
    assert "March 2011" in graph.texts[-1] and "spent" in graph.texts[-1]


def test_a_confirmation_given_to_another_process(
    two_processes: tuple[App, App, Graph],
) -> None:
    first, second, graph = two_processes
    card = first.bank_core.cards("alice")[0]
    say(first, "m3", f"freeze my card ending {card.label[-4:]}")
    assert graph.texts[-1].startswith("Freeze your")
    say(second, "m4", "yes")
    assert "is frozen" in graph.texts[-1]
    assert any(c.frozen for c in second.bank_core.cards("alice"))
