"""Exactly once, as the customer and the bank see it, while the server is killed.

20 trials; in each, a bank posts 1,000 fraud alerts to a real ``openteller serve``
process on PostgreSQL, and the server is killed with SIGKILL at a random moment (seeded
per trial) and started again while alerts, deliveries, customers' answers and the
reports to the bank are in flight. A stand-in for Meta records every Send API call,
echoes each sent message back to the webhook with its metadata (as Messenger does for
``message_echoes`` subscribers), plays the customer tapping an answer, and retries a
webhook until it is acknowledged (as Meta does). A stand-in for the bank retries a post
that got no answer (with a new Idempotency-Key, the same alert id) and takes each
answer report once per Idempotency-Key (as a bank's API does).

Afterwards every alert's question reached its customer exactly once, every customer got
exactly one reply to their answer, and every answer was reported to the bank (taken
exactly once).
"""

from __future__ import annotations

import json
import os
import queue
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from openteller.bootstrap import App
from openteller.channels.messenger.signature import sign
from openteller.services.bank_signing import bank_signature, signed_headers
from openteller.store import schema
from tests.db import make_settings

PAGE, APP_SECRET = "1", "app-secret-for-tests"
BANK_KEY, BANK_SECRET = "bank-1", "bank-secret-for-tests"
TRIALS, ALERTS, CUSTOMERS = 20, 1_000, 25
POSTERS = 4  # the bank posts alerts on this many connections at once
PROCESSES = 2  # server processes behind one port, as behind a load balancer
LEASE_SECONDS = 5  # the dead process's claims are taken over after this
ECHO_WAIT_SECONDS = 20  # a message in doubt waits this long for its echo
SHOP = re.compile(r"at SHOP (T\d+-\d+)")


class FakeMeta(ThreadingHTTPServer):
    """The Graph API and Messenger's side of the webhook."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _MetaHandler)
        self.lock = threading.Lock()
        self.questions: Counter[str] = Counter()  # alert id -> times asked
        self.replies: Counter[str] = Counter()  # tap mid -> replies to it
        self.sent = 0
        self.webhooks: queue.Queue[bytes] = queue.Queue()
        self.webhook_url = ""
        self.in_flight = 0
        for _ in range(4):  # Meta delivers webhooks on several connections
            threading.Thread(target=self._post_webhooks, daemon=True).start()

    def _post_webhooks(self) -> None:
        with httpx.Client(timeout=10) as client:
            while True:
                raw = self.webhooks.get()
                headers = {
                    "Content-Type": "application/json",
                    "X-Hub-Signature-256": sign(APP_SECRET.encode(), raw),
                }
                while True:  # Meta retries until the webhook answers 200
                    try:
                        if (
                            client.post(self.webhook_url, content=raw, headers=headers).status_code
                            == 200
                        ):
                            break
                    except httpx.HTTPError:
                        pass
                    time.sleep(0.1)
                with self.lock:
                    self.in_flight -= 1

    def enqueue(self, psid: str, message: dict[str, Any], *, from_page: bool) -> None:
        sender, recipient = (PAGE, psid) if from_page else (psid, PAGE)
        body = {
            "object": "page",
            "entry": [
                {
                    "id": PAGE,
                    "time": int(time.time() * 1000),
                    "messaging": [
                        {
                            "sender": {"id": sender},
                            "recipient": {"id": recipient},
                            "timestamp": int(time.time() * 1000),
                            "message": message,
                        }
                    ],
                }
            ],
        }
        with self.lock:
            self.in_flight += 1
        self.webhooks.put(json.dumps(body).encode())


class _MetaHandler(BaseHTTPRequestHandler):
    server: FakeMeta

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        meta = self.server
        answer = b"{}"
        if "message" in body:
            psid, message = body["recipient"]["id"], body["message"]
            with meta.lock:
                meta.sent += 1
                mid = f"m-{meta.sent}"
            found = SHOP.search(message.get("text", ""))
            choices = {q["title"]: q["payload"] for q in message.get("quick_replies", [])}
            if found and choices:
                alert_id = found.group(1)
                with meta.lock:
                    meta.questions[alert_id] += 1
                title = "Yes, it was me" if int(alert_id[-1]) % 2 else "No, freeze my card"
                tap = {
                    "mid": f"tap-{alert_id}",
                    "text": title,
                    "quick_reply": {"payload": choices[title]},
                }
                meta.enqueue(psid, tap, from_page=False)
            elif "Thanks for confirming" in message.get("text", "") or "fraud team" in message.get(
                "text", ""
            ):
                with meta.lock:
                    meta.replies[psid] += 1
            echo = {"is_echo": True, "mid": mid, "metadata": message.get("metadata", "")}
            meta.enqueue(psid, echo, from_page=True)
            answer = json.dumps({"recipient_id": psid, "message_id": mid}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


class FakeBank(ThreadingHTTPServer):
    """The bank's callback endpoint: takes each Idempotency-Key once."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _BankHandler)
        self.lock = threading.Lock()
        self.taken: Counter[str] = Counter()
        self.received = 0


class _BankHandler(BaseHTTPRequestHandler):
    server: FakeBank

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        stamp = self.headers["X-OpenTeller-Timestamp"]
        status = 401
        if self.headers["X-OpenTeller-Signature"] == bank_signature(
            BANK_SECRET.encode(), stamp, raw
        ):
            status = 200
            key = self.headers["Idempotency-Key"]
            with self.server.lock:
                self.server.received += 1
                if key not in self.server.taken:
                    self.server.taken[key] += 1
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _serve(server: ThreadingHTTPServer) -> None:
    threading.Thread(target=server.serve_forever, daemon=True).start()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``openteller serve`` as its own process, killed and started again at will."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0
        self.starts: list[float] = []  # seconds each start took

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    *("-m", "openteller.cli", "serve", "--port", str(self.port)),
                    *("--workers", str(PROCESSES)),
                ],
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,  # its own process group: killed as a whole
            )
        began = time.monotonic()
        deadline = began + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    self.starts.append(time.monotonic() - began)
                    return
            except httpx.HTTPError:
                pass
            assert self.process.poll() is None, self.log.read_text()[-2000:]
            time.sleep(0.1)
        raise AssertionError("the server did not start")

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)  # the server and its worker processes
        self.process.wait(timeout=30)
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def post_alert(client: httpx.Client, url: str, data: dict[str, Any]) -> None:
    """Post until accepted; a post that got no answer is sent again (new key, same alert)."""
    raw = json.dumps(data).encode()
    while True:
        try:
            response = client.post(
                f"{url}/bank/v1/alerts",
                content=raw,
                headers=signed_headers(BANK_KEY, BANK_SECRET.encode(), raw, uuid.uuid4().hex),
            )
            if response.status_code == 202:
                return
            assert response.status_code >= 500, response.text
        except httpx.HTTPError:
            pass
        time.sleep(0.05)


@pytest.fixture
def world(
    postgres_url: str, postgres_keystore_url: str, tmp_path: Path
) -> Iterator[dict[str, Any]]:
    meta, bank = FakeMeta(), FakeBank()
    _serve(meta)
    _serve(bank)
    settings = make_settings(postgres_url, postgres_keystore_url, tmp_path)
    app = App(settings)
    app.init()
    psids = {f"c{n:02d}": f"7000000000{n:05d}" for n in range(CUSTOMERS)}
    with app.engine.begin() as conn:
        for customer in psids:
            app.store.get_or_create_customer(conn, customer)
    env = {
        **os.environ,
        "OPENTELLER_DATABASE_URL": postgres_url,
        "OPENTELLER_KEYSTORE_URL": postgres_keystore_url,
        "OPENTELLER_MASTER_KEY": settings.master_key.get_secret_value(),
        "OPENTELLER_MESSENGER_APP_SECRET": APP_SECRET,
        "OPENTELLER_MESSENGER_VERIFY_TOKEN": "verify",
        "OPENTELLER_MESSENGER_PAGE_TOKEN": "page-token",
        "OPENTELLER_MESSENGER_GRAPH_URL": f"http://127.0.0.1:{meta.server_address[1]}/v21.0",
        "OPENTELLER_BANK_API_KEYS": f"{BANK_KEY}:{BANK_SECRET}",
        "OPENTELLER_BANK_CALLBACK_URL": f"http://127.0.0.1:{bank.server_address[1]}/answers",
        "OPENTELLER_QUEUE_LEASE_SECONDS": str(LEASE_SECONDS),
        "OPENTELLER_ECHO_WAIT_SECONDS": str(ECHO_WAIT_SECONDS),
        "OPENTELLER_LOG_LEVEL": "WARNING",
    }
    env.pop("OPENTELLER_CONFIG", None)
    env.pop("OPENTELLER_DEMO_LOGIN_PASSWORD", None)
    messenger_app = App(
        make_settings(
            postgres_url,
            postgres_keystore_url,
            tmp_path,
            master_key=settings.master_key.get_secret_value(),
            messenger_app_secret=APP_SECRET,
            messenger_verify_token="verify",
            messenger_page_token="page-token",
        )
    )
    for customer, psid in psids.items():
        messenger_app.messenger.link(psid, customer)
    server = Server(env, _free_port(), tmp_path / "server.log")
    meta.webhook_url = f"{server.url}/webhooks/messenger"
    yield {"app": app, "meta": meta, "bank": bank, "server": server, "customers": list(psids)}
    server.stop()
    for fake in (meta, bank):
        fake.shutdown()
        fake.server_close()
    messenger_app.close()
    app.close()


def _settled(app: App, meta: FakeMeta, prefix: str, count: int) -> bool:
    table = schema.fraud_alerts
    with app.engine.connect() as conn:
        reported = conn.execute(
            select(func.count()).where(
                table.c.alert_id.like(f"{prefix}%"), table.c.reported_at.is_not(None)
            )
        ).scalar_one()
        busy = conn.execute(
            select(func.count()).where(schema.channel_outbox.c.status.in_(["pending", "working"]))
        ).scalar_one()
        waiting = conn.execute(
            select(func.count()).where(schema.channel_inbox.c.status.in_(["pending", "working"]))
        ).scalar_one()
    with meta.lock:
        in_flight = meta.in_flight
    return reported == count and busy == 0 and waiting == 0 and in_flight == 0


def _state(app: App, meta: FakeMeta, prefix: str) -> dict[str, Any]:
    table = schema.fraud_alerts
    with app.engine.connect() as conn:
        alerts = Counter(
            (row.status, row.reported_at is not None)
            for row in conn.execute(
                select(table.c.status, table.c.reported_at).where(
                    table.c.alert_id.like(f"{prefix}%")
                )
            )
        )
        outbox = Counter(s for (s,) in conn.execute(select(schema.channel_outbox.c.status)))
        inbox = Counter(s for (s,) in conn.execute(select(schema.channel_inbox.c.status)))
    return {
        "alerts": dict(alerts),
        "outbox": dict(outbox),
        "inbox": dict(inbox),
        "webhooks in flight": meta.in_flight,
        "asked": sum(meta.questions.values()),
    }


class Trial:
    """One trial: the bank posts its alerts on several connections; after a random number
    of them is accepted (or after the last, while deliveries are in flight) the server is
    killed and started again."""

    def __init__(self, number: int, server: Server, customers: list[str]) -> None:
        chance = random.Random(number)
        self.prefix = f"T{number:02d}-"
        self.ids = [f"{self.prefix}{n:04d}" for n in range(ALERTS)]
        self.kill_after = int(chance.uniform(0.0, 1.2) * ALERTS)
        self.server, self.customers = server, customers
        self.accepted = 0
        self.lock = threading.Lock()
        self.killed = threading.Event()
        self.restarted = threading.Event()

    def run(self, clients: list[httpx.Client]) -> None:
        with ThreadPoolExecutor(POSTERS) as pool:
            list(pool.map(lambda n: self._post(clients[n % POSTERS], n), range(ALERTS)))
        if not self.killed.is_set():
            self.killed.set()
            self._restart()
        assert self.restarted.wait(timeout=300)

    def _post(self, client: httpx.Client, n: int) -> None:
        alert_id = self.ids[n]
        transaction = {"amount": "10.00", "currency": "USD", "merchant": f"SHOP {alert_id}"}
        data = {
            "alert_id": alert_id,
            "customer": self.customers[n % CUSTOMERS],
            "transaction": transaction,
        }
        post_alert(client, self.server.url, data)
        with self.lock:
            self.accepted += 1
            due = self.accepted >= self.kill_after and not self.killed.is_set()
            if due:
                self.killed.set()
        if due:
            threading.Thread(target=self._restart, daemon=True).start()

    def _restart(self) -> None:
        self.server.kill()
        self.server.start()
        self.restarted.set()


def test_alerts_and_answers_are_exactly_once_through_sigkill(world: dict[str, Any]) -> None:
    app, meta, bank, server = world["app"], world["meta"], world["bank"], world["server"]
    server.start()
    clients = [httpx.Client(timeout=10) for _ in range(POSTERS)]
    try:
        for number in range(TRIALS):
            trial = Trial(number, server, world["customers"])
            started = time.monotonic()
            trial.run(clients)
            posted = time.monotonic() - started
            deadline = time.monotonic() + 300
            while not _settled(app, meta, trial.prefix, ALERTS) and time.monotonic() < deadline:
                time.sleep(0.25)
            assert _settled(app, meta, trial.prefix, ALERTS), (
                f"trial {number} did not settle: {_state(app, meta, trial.prefix)}\n"
                + server.log.read_text()[-3000:]
            )
            asked = {alert_id: meta.questions[alert_id] for alert_id in trial.ids}
            assert set(asked.values()) == {1}, (
                f"trial {number}: asked other than once: "
                f"{ {k: v for k, v in asked.items() if v != 1} }"
            )
            taken = [bank.taken[f"answer:{alert_id}"] for alert_id in trial.ids]
            assert set(taken) == {1}, f"trial {number}: answers not reported once"
            took = time.monotonic() - started
            print(
                f"trial {number}: killed after {trial.kill_after} alerts, posted in "
                f"{posted:.1f} s, settled in {took:.1f} s, restarted in {server.starts[-1]:.1f} s"
            )
    finally:
        for client in clients:
            client.close()
    assert server.kills == TRIALS
    assert sum(meta.replies.values()) == TRIALS * ALERTS  # one reply to every answer
    assert sum(meta.questions.values()) == TRIALS * ALERTS
    table = schema.fraud_alerts
    with app.engine.connect() as conn:
        statuses = Counter(s for (s,) in conn.execute(select(table.c.status)))
    assert sum(statuses.values()) == TRIALS * ALERTS
    assert set(statuses) == {"confirmed", "denied"}
