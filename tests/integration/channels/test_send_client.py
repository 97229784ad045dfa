"""The Send API client against a real local HTTP server that fails: messages are retried,
the typing indicator is not."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from openteller.channels.messenger.send import ATTEMPTS, SendClient, SendFailed


class FailingGraph(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Failing)
        self.bodies: list[dict[str, object]] = []


class _Failing(BaseHTTPRequestHandler):
    server: FailingGraph

    def do_POST(self) -> None:
        self.server.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        answer = b'{"error":{"message":"temporarily unavailable"}}'
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def graph() -> Iterator[FailingGraph]:
    server = FailingGraph()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(graph: FailingGraph) -> SendClient:
    waits: list[float] = []
    return SendClient(
        "page-token", b"secret", f"http://127.0.0.1:{graph.server_address[1]}", sleep=waits.append
    )


def test_a_message_is_retried_on_a_server_error(graph: FailingGraph, client: SendClient) -> None:
    with pytest.raises(SendFailed, match="503") as failed:
        client.send({"recipient": {"id": "1"}, "message": {"text": "hi"}})
    assert failed.value.retryable
    assert len(graph.bodies) == ATTEMPTS > 1


def test_the_typing_indicator_is_tried_once(graph: FailingGraph, client: SendClient) -> None:
    with pytest.raises(SendFailed, match="503"):
        client.typing_on("1")
    assert graph.bodies == [{"recipient": {"id": "1"}, "sender_action": "typing_on"}]
