"""Nothing is lost when a worker dies: SIGKILL a real `openteller worker` process halfway
through answering stored webhook events, start another, and every event is answered.

The Graph API stand-in answers slowly, so the kill lands while replies are in flight.
None may be missing, and none is sent twice: the stand-in's echoes (as Meta's) mark
the messages it took as sent, whatever became of the worker that sent them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from openteller.bootstrap import App
from openteller.channels.messenger.signature import sign
from openteller.ingest.registry import build_readers
from openteller.store import schema
from tests.db import make_settings
from tests.samples import fixture

SECRET = "app-secret-for-tests"
EVENTS = 40


class SlowGraph(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.recipients: list[str] = []
        self.metadata: list[str] = []  # what Meta would echo back, per message
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: SlowGraph

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if "sender_action" not in body:  # count messages, not typing indicators
            time.sleep(0.05)
            with self.server.lock:
                self.server.recipients.append(body["recipient"]["id"])
                self.server.metadata.append(body["message"].get("metadata", ""))
        answer = b'{"message_id": "m"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


def test_a_killed_worker_loses_no_reply(tmp_path: Path) -> None:
    graph = SlowGraph()
    threading.Thread(target=graph.serve_forever, daemon=True).start()
    settings = make_settings(
        f"sqlite:///{tmp_path}/bank.db",
        None,
        tmp_path,
        messenger_app_secret=SECRET,
        messenger_verify_token="v",
        messenger_page_token="p",
        messenger_graph_url=f"http://127.0.0.1:{graph.server_address[1]}",
    )
    app = App(settings)
    app.init()
    app.ingest.ingest_file(fixture("ofx/ofxparse__checking.ofx"), "alice", build_readers())
    psids = [f"90000000000{n:04d}" for n in range(EVENTS)]
    for psid in psids:
        raw = json.dumps(
            {
                "object": "page",
                "entry": [
                    {
                        "id": "1",
                        "time": 1,
                        "messaging": [
                            {
                                "sender": {"id": psid},
                                "recipient": {"id": "1"},
                                "timestamp": 1,
                                "message": {"mid": f"m_{psid}", "text": "hello"},
                            }
                        ],
                    }
                ],
            }
        ).encode()
        assert app.messenger.receive(raw, sign(SECRET.encode(), raw)) == 1
    env: dict[str, Any] = {
        **os.environ,
        "OPENTELLER_DATABASE_URL": settings.database_url,
        "OPENTELLER_MASTER_KEY": settings.master_key.get_secret_value(),  # type: ignore[union-attr]
        "OPENTELLER_MESSENGER_APP_SECRET": SECRET,
        "OPENTELLER_MESSENGER_VERIFY_TOKEN": "v",
        "OPENTELLER_MESSENGER_PAGE_TOKEN": "p",
        "OPENTELLER_MESSENGER_GRAPH_URL": settings.messenger_graph_url,
    }
    env.pop("OPENTELLER_CONFIG", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "openteller.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while len(graph.recipients) < EVENTS // 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    answered_before = len(set(graph.recipients))
    assert 0 < answered_before < EVENTS, "the kill must land mid-way"

    # Meta echoes every message it took, the ones the dead worker could not mark sent
    # too; the rest wait out their echo wait: expire that now instead of waiting minutes.
    time.sleep(0.3)  # the Graph stand-in finishes the requests in flight at the kill
    with graph.lock:
        echoes = list(zip(graph.recipients, graph.metadata, strict=True))
    for psid, metadata in echoes:
        echo = json.dumps(
            {
                "object": "page",
                "entry": [
                    {
                        "id": "1",
                        "time": 2,
                        "messaging": [
                            {
                                "sender": {"id": "1"},
                                "recipient": {"id": psid},
                                "timestamp": 2,
                                "message": {
                                    "is_echo": True,
                                    "mid": f"echo_{metadata}",
                                    "metadata": metadata,
                                },
                            }
                        ],
                    }
                ],
            }
        ).encode()
        app.messenger.receive(echo, sign(SECRET.encode(), echo))
    with app.engine.begin() as conn:
        conn.execute(
            schema.channel_inbox.update()
            .where(schema.channel_inbox.c.status == "working")
            .values(claimed_until=None, status="pending")
        )
        conn.execute(
            schema.channel_outbox.update()
            .where(schema.channel_outbox.c.status.in_(["working", "sending"]))
            .values(status="pending", next_attempt_at=schema.channel_outbox.c.created_at)
        )
    again = subprocess.run(
        [sys.executable, "-m", "openteller.cli", "worker", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert set(graph.recipients) == set(psids)  # every event answered
    with app.engine.connect() as conn:
        statuses = {r.status for r in conn.execute(schema.channel_outbox.select())}
        inbox = {r.status for r in conn.execute(schema.channel_inbox.select())}
    assert statuses == {"sent"} and inbox == {"done"}
    assert len(graph.recipients) == EVENTS  # echoed messages are never sent again
    graph.shutdown()
    graph.server_close()
    app.close()
