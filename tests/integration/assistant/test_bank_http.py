"""Card freeze through a bank's core over HTTP: a real local server stands in for the bank,
records every request and checks the signature, and can fail on purpose."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from openteller.assistant.engine import Conversation
from openteller.bootstrap import App
from openteller.domain.errors import ConfigurationError
from openteller.ingest.registry import build_readers
from openteller.services.bank_http import BankActionFailed, HttpBankActions
from tests.db import make_settings
from tests.samples import fixture

SECRET = "shared-secret-for-tests"


class BankCore(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.calls: list[dict[str, Any]] = []
        self.failures: list[int] = []  # status codes to answer first, in order


class _Handler(BaseHTTPRequestHandler):
    server: BankCore

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        timestamp = self.headers["X-OpenTeller-Timestamp"]
        expected = (
            "sha256="
            + hmac.new(
                SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256
            ).hexdigest()
        )
        self.server.calls.append(
            {
                "path": self.path,
                "body": json.loads(body),
                "key_id": self.headers["X-OpenTeller-Key-Id"],
                "request_id": self.headers["X-OpenTeller-Request-Id"],
                "signed": hmac.compare_digest(expected, self.headers["X-OpenTeller-Signature"]),
            }
        )
        status = self.server.failures.pop(0) if self.server.failures else 204
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def bank() -> Iterator[BankCore]:
    server = BankCore()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def app(bank: BankCore, tmp_path: Path) -> Iterator[App]:
    url = f"http://127.0.0.1:{bank.server_address[1]}/core/v1"
    application = App(
        make_settings(
            f"sqlite:///{tmp_path}/bank.db",
            None,
            tmp_path,
            bank_actions_url=url,
            bank_actions_key_id="key-2026",
            bank_actions_secret=SECRET,
        )
    )
    application.init()
    readers = build_readers()
    assert application.ingest.ingest_file(fixture("ofx/ofxparse__anzcc.ofx"), "alice", readers)
    yield application
    application.close()


def test_a_confirmed_freeze_is_a_signed_request_to_the_bank(app: App, bank: BankCore) -> None:
    core = app.bank_core
    assert isinstance(core, HttpBankActions)
    core._sleep = lambda _seconds: None
    assistant = app.make_assistant(lambda: datetime.now(UTC))
    conversation = Conversation(customer="alice", channel="ask")
    (card,) = core.cards("alice")
    assistant.respond(conversation, f"freeze my card ending {card.label[-4:]}")
    assert bank.calls == []  # nothing before the customer says yes
    assert "is frozen" in assistant.respond(conversation, "yes").reply.text
    (call,) = bank.calls
    assert call["path"] == "/core/v1/cards/freeze" and call["signed"]
    assert call["key_id"] == "key-2026"
    assert call["body"]["customer"] == "alice" and call["body"]["card_last4"] == card.label[-4:]
    assert "card_frozen" in [r.action for r in app.audit.records()]


def test_server_errors_are_retried_with_the_same_request_id(app: App, bank: BankCore) -> None:
    core = app.bank_core
    assert isinstance(core, HttpBankActions)
    core._sleep = lambda _seconds: None
    bank.failures = [503, 500]
    (card,) = core.cards("alice")
    core.set_frozen("alice", card.account_id, True, actor="test")
    assert len(bank.calls) == 3
    assert len({c["request_id"] for c in bank.calls}) == 1
    bank.calls.clear()
    bank.failures = [403]
    with pytest.raises(BankActionFailed, match="403"):
        core.set_frozen("alice", card.account_id, False, actor="test")
    assert len(bank.calls) == 1  # 4xx is not retried


def test_a_url_without_a_secret_is_refused(tmp_path: Path) -> None:
    application = App(
        make_settings(
            f"sqlite:///{tmp_path}/bank.db", None, tmp_path, bank_actions_url="http://bank"
        )
    )
    with pytest.raises(ConfigurationError, match="BANK_ACTIONS_SECRET"):
        application.bank_core  # noqa: B018
