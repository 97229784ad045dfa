"""The outbox sends a batch at once, each person's messages in order: a failure holds back
that person's later messages (untried, so not counted as attempts) and no one else's."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import sqlalchemy as sa

from openteller.assistant.replies import Reply
from openteller.bootstrap import App
from openteller.store import schema
from tests.db import make_settings


class Graph(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.calls: list[tuple[str, str]] = []
        self.failing: set[str] = set()  # texts answered with 503


class _Handler(BaseHTTPRequestHandler):
    server: Graph

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        text = body["message"]["text"]
        with self.server.lock:
            self.server.calls.append((body["recipient"]["id"], text))
        status, answer = (503, b'{"error":{}}') if text in self.server.failing else (200, b"{}")
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


def messenger_app(database_url: str, keystore_url: str | None, tmp_path: Path, graph: Graph) -> App:
    """An initialised app whose Messenger channel sends to ``graph``."""
    app = App(
        make_settings(
            database_url,
            keystore_url,
            tmp_path,
            messenger_app_secret="s",
            messenger_verify_token="v",
            messenger_page_token="p",
            messenger_graph_url=f"http://127.0.0.1:{graph.server_address[1]}",
        )
    )
    app.init()
    return app


def _outbox(app: App) -> dict[str, tuple[str, int]]:
    """Text -> (status, attempts) of every queued message."""
    queued = {}
    with app.engine.connect() as conn:
        for row in conn.execute(sa.select(schema.channel_outbox)):
            body = json.loads(app.messenger._cipher.decrypt(row.payload, f"outbox:{row.id}"))
            queued[body["message"]["text"]] = (row.status, row.attempts)
    return queued


def test_a_failure_holds_back_only_that_persons_later_messages(
    database_url: str, keystore_url: str | None, tmp_path: Path
) -> None:
    graph = Graph()
    threading.Thread(target=graph.serve_forever, daemon=True).start()
    app = messenger_app(database_url, keystore_url, tmp_path, graph)
    app.messenger.sender.sleep = lambda _seconds: None
    try:
        for person, texts in {"111": ["a1", "a2", "a3"], "222": ["b1", "b2"]}.items():
            for text in texts:
                with app.engine.begin() as conn:
                    app.messenger._queued(f"test:{text}", person, Reply(text))(conn)
        graph.failing = {"a2"}

        assert app.messenger.deliver() == 3  # a1, b1, b2

        sent_to = {person: [t for p, t in graph.calls if p == person] for person in ("111", "222")}
        assert sent_to["222"] == ["b1", "b2"]
        assert sent_to["111"] == ["a1", "a2", "a2", "a2"]  # a2 tried 3 times, a3 not at all
        queued = _outbox(app)
        assert queued["a1"] == ("sent", 1) and queued["b2"] == ("sent", 1)
        assert queued["a2"] == ("pending", 1)  # to be retried later
        assert queued["a3"] == ("pending", 0)  # held back, never tried
        with app.engine.connect() as conn:
            due = {
                row.id: row.next_attempt_at
                for row in conn.execute(
                    sa.select(schema.channel_outbox).where(
                        schema.channel_outbox.c.status == "pending"
                    )
                )
            }
        assert len(set(due.values())) == 1  # a3 is due with a2, not before it

        graph.failing = set()
        with app.engine.begin() as conn:
            conn.execute(sa.update(schema.channel_outbox).values(next_attempt_at=datetime.now(UTC)))
        graph.calls.clear()
        assert app.messenger.deliver() == 2
        assert graph.calls == [("111", "a2"), ("111", "a3")]  # still in order
        assert {status for status, _ in _outbox(app).values()} == {"sent"}
    finally:
        app.close()
        graph.shutdown()
        graph.server_close()
