"""Assistant latency: understanding per message, a whole ``ask``, and model load.

Usage: .venv/bin/python -m benchmarks.assistant [--n 20000] [--messages 600] [--write]

* understanding: spelling, intent classification, slot extraction and the corrections
  (``Understander.understand``, what ``nlu`` and ``ask`` do) of real-shaped questions;
* ask: understanding + reading through the access service (consent check, decryption,
  audit entry) + the answer, for a customer with N transactions over 5 years, one
  conversation, in the same process;
* model load: unpickling the cached classifier (first run trains and caches it).
Reports p50/p99 in milliseconds (targets: understanding p99 <= 3 ms, ask p99 <= 10 ms,
model load < 1 s).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.machine import describe, write_section

QUESTIONS = [
    "how much did I spend on groceries last month?",
    "coffee since Monday?",
    "what's my checking balance?",
    "show my last 5 Amazon purchases",
    "how much did I spend at starbux this week",
    "what did I spend on eating out in October",
    "did I pay Netflix this month?",
    "how much did I earn last month",
    "groceries this month vs last month",
    "how much have I spent this year except Amazon",
    "what's the weather like tomorrow",
    "hi",
    "transactions over $100 last week",
    "how much did I spend on fuel in the past 3 months",
]


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[round(0.99 * (len(ordered) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    from openteller.assistant.classifier import cache_dir, load_classifier
    from openteller.assistant.engine import Assistant, Conversation
    from openteller.assistant.understanding import Understander
    from openteller.bootstrap import App
    from openteller.demo.files import write_ofx
    from openteller.demo.generator import generate
    from openteller.ingest.registry import build_readers
    from openteller.privacy.keys import generate_master_key_text
    from openteller.settings import Settings

    load_classifier()  # make sure the cache exists (trains on the very first run)
    start = time.perf_counter()
    classifier = load_classifier()
    load_seconds = time.perf_counter() - start

    rng = random.Random(3)
    messages = [rng.choice(QUESTIONS) for _ in range(args.messages)]
    today = date(2026, 11, 24)
    merchants = ["Starbucks", "Amazon", "Netflix", "Whole Foods", "Shell", "Uber", "Target"]
    understanding = []
    understander = Understander(classifier)
    for message in messages[:50]:
        understander.understand(message, today, merchants)
    for message in messages:
        begin = time.perf_counter()
        understander.understand(message, today, merchants)
        understanding.append(time.perf_counter() - begin)

    with tempfile.TemporaryDirectory() as workdir:
        folder = Path(workdir)
        span = 5 * 365
        first = today - timedelta(days=span)
        dated = (
            replace(tx, booking_date=first + timedelta(days=i * span // args.n))
            for i, tx in enumerate(generate(5, first, args.n))
        )
        write_ofx(folder / "s.ofx", dated, account="55501234")
        app = App(
            Settings(
                database_url=f"sqlite:///{folder}/bank.db",
                master_key=generate_master_key_text(),
                master_key_file=folder / "unused.key",
            )
        )
        app.init()
        report = app.ingest.ingest_file(folder / "s.ofx", "bench", build_readers())
        assert report.transactions_added == args.n
        now = datetime(2026, 11, 24, 12, tzinfo=UTC)
        assistant = Assistant(app.access, classifier, clock=lambda: now)
        conversation = Conversation(customer="bench", channel="ask")
        for message in messages[:30]:
            assistant.respond(conversation, message)
        asks = []
        for message in messages:
            begin = time.perf_counter()
            assistant.respond(conversation, message)
            asks.append(time.perf_counter() - begin)
        app.close()

    u50, u99 = _ms(understanding)
    a50, a99 = _ms(asks)
    body = (
        f"Command: `.venv/bin/python -m benchmarks.assistant --n {args.n} "
        f"--messages {args.messages} --write`  \n"
        f"Machine: {describe()}  \nDate: {date.today().isoformat()}\n\n"
        f"Messages drawn from {len(QUESTIONS)} real-shaped questions; ask = one conversation "
        f"over a customer with {args.n:,} transactions across 5 years (SQLite), including the "
        "consent check, decryption and the audit entry of every read. Model cache: "
        f"{cache_dir()}.\n\n"
        "| measure | p50 | p99 | target |\n|---|---|---|---|\n"
        "| understanding (spelling, intent, slots, corrections) "
        f"| {u50:.2f} ms | {u99:.2f} ms | p99 <= 3 ms |\n"
        f"| whole ask | {a50:.2f} ms | {a99:.2f} ms | p99 <= 10 ms |\n"
        f"| model load (cached) | {load_seconds * 1000:.0f} ms | | < 1 s |\n"
    )
    print(body)
    if args.write:
        write_section("Assistant (benchmarks/assistant.py)", body)


if __name__ == "__main__":
    main()
