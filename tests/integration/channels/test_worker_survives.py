"""A process's background worker outlives any failed round: the database losing a table
for a moment (any unexpected error, not only ours) is logged, without the error's
message, and the worker goes on and delivers what is queued once the table is back.
Before, an unexpected error ended the worker thread and the process answered nothing
more."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import sqlalchemy as sa
from structlog.testing import capture_logs

from openteller.assistant.replies import Reply
from openteller.web.app import Worker
from tests.integration.channels.test_outbox_batches import Graph, messenger_app


def test_the_worker_goes_on_after_an_unexpected_database_error(tmp_path: Path) -> None:
    graph = Graph()
    threading.Thread(target=graph.serve_forever, daemon=True).start()
    app = messenger_app(f"sqlite:///{tmp_path}/openteller.db", None, tmp_path, graph)
    with app.engine.begin() as conn:
        app.messenger._queued("test:hello", "111", Reply("hello"))(conn)
    with app.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE channel_inbox RENAME TO channel_inbox_away"))
    worker = Worker(app, interval=0.01)
    try:
        with capture_logs() as logs:
            worker.start()
            deadline = time.monotonic() + 10
            while not any(e["event"] == "worker_failed" for e in logs):
                assert time.monotonic() < deadline, "the failure was never logged"
                time.sleep(0.01)
            with app.engine.begin() as conn:
                conn.execute(sa.text("ALTER TABLE channel_inbox_away RENAME TO channel_inbox"))
            while not graph.calls:
                assert time.monotonic() < deadline, "nothing was sent after the table came back"
                time.sleep(0.01)
        assert graph.calls == [("111", "hello")]
        failure = next(e for e in logs if e["event"] == "worker_failed")
        assert failure["error"] == "OperationalError"
        assert failure["cause"] == "OperationalError"  # sqlite3's, wrapped by SQLAlchemy
        assert failure["at"].endswith(" do_execute")
        assert "channel_inbox" not in str(failure)  # not the message: it may quote data
    finally:
        worker.stop()
        graph.shutdown()
        app.engine.dispose()
