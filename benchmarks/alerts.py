"""Fraud alert latency: alert posted by the bank -> Send API call made, at a steady rate.

Usage: .venv/bin/python -m benchmarks.alerts [--rate 200] [--seconds 60] [--workers 2]
       [--database postgresql://postgres@127.0.0.1:5432/test] [--write]

Runs ``openteller serve`` (``--workers`` processes, its own worker threads delivering
the outbox) on a fresh PostgreSQL schema, with the Messenger channel pointed at a local
Graph API recorder and 50 customers linked. A load generator (asyncio + httpx, in this
script's process) posts signed alerts at ``--rate`` per second for ``--seconds``, each
with a unique alert id in the merchant's name; the recorder notes when each alert's
"Was this you?" reaches it. Reported: the accepted rate, the latency from the moment the
post was sent to the Send API call (median, p99, max), and alerts lost or duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
from pydantic import SecretStr

from benchmarks.loadgen import Pool
from benchmarks.machine import describe, write_section
from openteller.bootstrap import App
from openteller.privacy.keys import generate_master_key_text
from openteller.services.bank_signing import signed_headers
from openteller.settings import Settings
from openteller.store.database import normalise_url

CUSTOMERS = 50
KEY_ID, SECRET = "bench", "bench-bank-secret"
ALERT = re.compile(r"at SHOP (B\d+)")


class Recorder(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.arrived: dict[str, float] = {}
        self.seen: Counter[str] = Counter()


class _Handler(BaseHTTPRequestHandler):
    server: Recorder
    # Keep-alive, as the Graph API does, and each answer in one segment: without
    # TCP_NODELAY the body waits for the client's delayed ACK (about 40 ms a call).
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        now = time.perf_counter()
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        found = ALERT.search(json.dumps(body.get("message", {})))
        if found:
            with self.server.lock:
                self.server.seen[found.group(1)] += 1
                self.server.arrived.setdefault(found.group(1), now)
        answer = b'{"message_id":"m"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _fresh_schema(database: str) -> tuple[str, str]:
    admin = sa.create_engine(normalise_url(database), isolation_level="AUTOCOMMIT")
    names = [f"ot_bench_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'create schema "{name}"'))
    admin.dispose()
    separator = "&" if "?" in database else "?"
    data, keys = (f"{database}{separator}options=-csearch_path%3D{n}" for n in names)
    return data, keys


def _drop_schemas(database: str, *urls: str) -> None:
    admin = sa.create_engine(normalise_url(database), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for url in urls:
            conn.execute(sa.text(f'drop schema "{url.rsplit("%3D", 1)[1]}" cascade'))
    admin.dispose()


def _prepare(data: str, keys: str, master: str, graph: str, folder: Path) -> list[str]:
    settings = Settings(
        database_url=data,
        keystore_url=keys,
        master_key=SecretStr(master),
        master_key_file=folder / "unused.key",
        messenger_app_secret=SecretStr("bench-app-secret"),
        messenger_verify_token=SecretStr("verify"),
        messenger_page_token=SecretStr("page"),
        messenger_graph_url=graph,
    )
    app = App(settings)
    app.init()
    customers = [f"b{n:03d}" for n in range(CUSTOMERS)]
    with app.engine.begin() as conn:
        for customer in customers:
            app.store.get_or_create_customer(conn, customer)
    for n, customer in enumerate(customers):
        app.messenger.link(f"80000000{n:06d}", customer)
    app.close()
    return customers


async def _load(
    url: str, customers: list[str], rate: float, seconds: float
) -> tuple[dict[str, float], list[float], int, int]:
    sent: dict[str, float] = {}
    accepted_in: list[float] = []  # ms from the post to its 202
    refused = 0
    total = int(rate * seconds)
    address = urlsplit(url)
    pool = Pool(address.hostname or "127.0.0.1", address.port or 80, size=64)
    await pool.open()

    async def post(n: int) -> None:
        nonlocal refused
        alert_id = f"B{n:06d}"
        raw = json.dumps(
            {
                "alert_id": alert_id,
                "customer": customers[n % len(customers)],
                "transaction": {
                    "amount": "99.00",
                    "currency": "USD",
                    "merchant": f"SHOP {alert_id}",
                },
            }
        ).encode()
        headers = signed_headers(KEY_ID, SECRET.encode(), raw, uuid.uuid4().hex)
        started = time.perf_counter()
        try:
            reply = await pool.post("/bank/v1/alerts", raw, headers)
        except ConnectionError:
            refused += 1
            return
        if reply.status == 202:
            sent[alert_id] = started
            accepted_in.append((time.perf_counter() - started) * 1000)
        else:
            refused += 1

    tasks = []
    begin = time.perf_counter()
    for n in range(total):
        due = begin + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(post(n)))
    await asyncio.gather(*tasks)
    took = time.perf_counter() - begin
    await pool.close()
    return sent, sorted(accepted_in), refused, int(total / took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--concurrent-sends",
        type=int,
        default=None,
        help="OPENTELLER_MESSENGER_CONCURRENT_SENDS for the server (default: its own)",
    )
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "OPENTELLER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()

    recorder = Recorder()
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    graph = f"http://127.0.0.1:{recorder.server_address[1]}/v21.0"
    data, keys = _fresh_schema(args.database)
    master = generate_master_key_text()
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="ot-bench-alerts-"))
    customers = _prepare(data, keys, master, graph, folder)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OPENTELLER_")},
        "OPENTELLER_DATABASE_URL": data,
        "OPENTELLER_KEYSTORE_URL": keys,
        "OPENTELLER_MASTER_KEY": master,
        "OPENTELLER_MESSENGER_APP_SECRET": "bench-app-secret",
        "OPENTELLER_MESSENGER_VERIFY_TOKEN": "verify",
        "OPENTELLER_MESSENGER_PAGE_TOKEN": "page",
        "OPENTELLER_MESSENGER_GRAPH_URL": graph,
        "OPENTELLER_BANK_API_KEYS": f"{KEY_ID}:{SECRET}",
        "OPENTELLER_LOG_LEVEL": "WARNING",
    }
    if args.concurrent_sends is not None:
        env["OPENTELLER_MESSENGER_CONCURRENT_SENDS"] = str(args.concurrent_sends)
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "openteller.cli", "serve"),
            *("--port", str(port), "--workers", str(args.workers)),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "server.log").open("wb"),
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        sent, accepted_in, refused, achieved = asyncio.run(
            _load(url, customers, args.rate, args.seconds)
        )
        settle = time.monotonic() + 120
        while time.monotonic() < settle and len(recorder.arrived) < len(sent):
            time.sleep(0.2)
        time.sleep(2)  # late duplicates would show now
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        _drop_schemas(args.database, data, keys)
    latencies = sorted(
        (recorder.arrived[a] - started) * 1000
        for a, started in sent.items()
        if a in recorder.arrived
    )
    lost = len(sent) - len(latencies)
    span = (max(recorder.arrived.values()) - min(sent.values())) if latencies else float("nan")
    delivered_rate = len(latencies) / span if latencies else float("nan")
    duplicated = sum(1 for count in recorder.seen.values() if count > 1)
    p99, median = _p99(latencies), _median(latencies)
    verdict = "met" if p99 <= 500 and lost == 0 and duplicated == 0 and not refused else "NOT met"
    report = (
        f"Command: `python -m benchmarks.alerts --rate {args.rate:g} --seconds {args.seconds:g} "
        f"--workers {args.workers}` (PostgreSQL, {args.workers} server processes, "
        f"{CUSTOMERS} customers linked on Messenger, Graph API recorder on loopback).\n\n"
        f"Machine: {describe()}\n\n"
        "| posted | offered rate | accepted | refused | latency median | p99 | max | lost "
        "| duplicated |\n|---|---|---|---|---|---|---|---|---|\n"
        f"| {int(args.rate * args.seconds)} | {achieved}/s | {len(sent)} | {refused} | "
        f"{median:.0f} ms | {p99:.0f} ms | {latencies[-1] if latencies else float('nan'):.0f} ms | "
        f"{lost} | {duplicated} |\n\n"
        f"Delivered rate (alerts / time from the first post to the last Send API call): "
        f"{delivered_rate:.0f}/s. The bank's post answered (202, the alert stored and "
        f"queued) in: median {_median(accepted_in):.0f} ms, p99 {_p99(accepted_in):.0f} ms.\n\n"
        f"Target (p99 <= 500 ms at 200 alerts/s for 60 s, none lost or duplicated): {verdict}.\n"
        "Latency runs from the moment the bank's post is sent to the moment the customer's "
        '"Was this you?" reaches the Send API: signature and replay checks, consent, the '
        "encrypted alert and its audit entry, the outbox, and the worker's send.\n"
    )
    print(report)
    if args.write:
        write_section("Fraud alerts", report)


def _median(sorted_ms: list[float]) -> float:
    return statistics.median(sorted_ms) if sorted_ms else float("nan")


def _p99(sorted_ms: list[float]) -> float:
    return sorted_ms[int(0.99 * (len(sorted_ms) - 1))] if sorted_ms else float("nan")


if __name__ == "__main__":
    main()
