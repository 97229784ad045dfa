"""Spending questions over encrypted data vs a plaintext SQL SUM, in the same run.

Usage: .venv/bin/python -m benchmarks.spending [--sizes 1000,20000,100000] [--queries 400] [--write]

For each size, one customer with that many transactions spread over 5 years is ingested
(real OFX ingest: encrypted ledger blocks in SQLite). The same rows are also copied, in
plaintext, into an indexed table of the same database: the baseline a bank without
encryption would have. Then the same random questions, "total spent in category C
between dates A and B" (12-month windows), are answered three ways, interleaved:

* access service: consent check, decryption of the numeric block parts, numpy sums,
  and the audit-log append every read makes (what a customer's question costs);
* decrypt + sum: the same without the consent check and audit write;
* plaintext SQL: ``SELECT SUM(amount) ... WHERE customer, category, day BETWEEN`` on a
  table indexed the usual way, by (customer, day), and on one with an index made for
  exactly this question, (customer, category, day).

Every answer is checked against the plaintext one. Reports p50 and p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from benchmarks.machine import describe, write_section

YEARS = 5
ACCESS = "access service (consent + decrypt + audit)"
DECRYPT = "decrypt + sum"
PLAIN_DAY = "plaintext SQL SUM, index (customer, day)"
PLAIN_CATEGORY = "plaintext SQL SUM, index (customer, category, day)"


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000


def _run_size(n: int, queries: int, workdir: Path) -> dict[str, tuple[float, float]]:
    from openteller.bootstrap import App
    from openteller.demo.files import write_ofx
    from openteller.demo.generator import generate
    from openteller.domain.categories import Category
    from openteller.domain.consent import Purpose
    from openteller.ingest.registry import build_readers
    from openteller.privacy.access import Requester, total_spent
    from openteller.privacy.keys import generate_master_key_text
    from openteller.settings import Settings

    start = date(2021, 1, 1)
    span = YEARS * 365
    statement = workdir / f"spend-{n}.ofx"
    dated = (
        replace(tx, booking_date=start + timedelta(days=i * span // n))
        for i, tx in enumerate(generate(11, start, n))
    )
    write_ofx(statement, dated, account="55501234")
    app = App(
        Settings(
            database_url=f"sqlite:///{workdir}/spend-{n}.db",
            master_key=generate_master_key_text(),
            master_key_file=workdir / "unused.key",
        )
    )
    app.init()
    report = app.ingest.ingest_file(statement, "bench", build_readers())
    assert report.transactions_added == n, report
    requester = Requester("terminal", Purpose.CUSTOMER_QUESTIONS, "benchmark")
    rows = app.access.transactions("bench", requester)

    metadata = sa.MetaData()
    plain_tables = {
        index: sa.Table(
            f"plain_by_{index}",
            metadata,
            sa.Column("customer_id", sa.String(32)),
            sa.Column("day", sa.Integer),
            sa.Column("amount", sa.BigInteger),
            sa.Column("category", sa.Integer),
            sa.Index(f"ix_plain_by_{index}", *columns),
        )
        for index, columns in {
            "day": ("customer_id", "day"),
            "category_day": ("customer_id", "category", "day"),
        }.items()
    }
    metadata.create_all(app.engine)
    with app.engine.begin() as conn:
        customer = app.store.find_customer(conn, "bench")
        assert customer is not None
        values = [
            {
                "customer_id": customer.id,
                "day": t.booking_date.toordinal(),
                "amount": int(t.amount.amount * 100),
                "category": int(t.category),
            }
            for t in rows
        ]
        for table in plain_tables.values():
            conn.execute(table.insert(), values)
    present = sorted({int(t.category) for t in rows if t.amount.amount < 0})
    rng = random.Random(n)
    last_start = span - 365
    questions = []
    for _ in range(queries):
        first = start + timedelta(days=rng.randrange(last_start))
        questions.append((Category(rng.choice(present)), first, first + timedelta(days=364)))

    def via_access(category: Category, since: date, until: date) -> int:
        total = app.access.spending("bench", requester, since=since, until=until, category=category)
        money = total.totals.get("USD")
        return int(money.amount * 100) if money else 0

    def decrypt_and_sum(category: Category, since: date, until: date) -> int:
        with app.engine.connect() as conn:
            blocks = [
                b for _a, b in app.store.iter_numeric(conn, customer, since=since, until=until)
            ]
        minor, _count = total_spent(blocks, since, until, category)
        return minor.get("USD", 0)

    def plaintext(table: sa.Table) -> Callable[[Category, date, date], int]:
        query = sa.select(-sa.func.coalesce(sa.func.sum(table.c.amount), 0)).where(
            table.c.customer_id == sa.bindparam("customer"),
            table.c.category == sa.bindparam("category"),
            table.c.day.between(sa.bindparam("low"), sa.bindparam("high")),
        )

        def plaintext_sum(category: Category, since: date, until: date) -> int:
            with app.engine.connect() as conn:
                value = conn.execute(
                    query,
                    {
                        "customer": customer.id,
                        "category": int(category),
                        "low": since.toordinal(),
                        "high": until.toordinal(),
                    },
                ).scalar_one()
            return int(value)

        return plaintext_sum

    ways: dict[str, Callable[[Category, date, date], int]] = {
        "access service (consent + decrypt + audit)": via_access,
        "decrypt + sum": decrypt_and_sum,
        PLAIN_DAY: plaintext(plain_tables["day"]),
        PLAIN_CATEGORY: plaintext(plain_tables["category_day"]),
    }
    timings: dict[str, list[float]] = {name: [] for name in ways}
    for question in questions[:20]:  # warm-up: caches, connection pool
        for work in ways.values():
            work(*question)
    for question in questions:
        answers = set()
        for name, work in ways.items():
            begin = time.perf_counter()
            answers.add(work(*question))
            timings[name].append(time.perf_counter() - begin)
        assert len(answers) == 1, (question, answers)
    app.close()
    return {name: _percentiles(samples) for name, samples in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,20000,100000")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    table = [
        "| transactions | way | p50 ms | p99 ms |",
        "|---|---|---|---|",
    ]
    ratios = []
    with tempfile.TemporaryDirectory() as workdir:
        for n in sizes:
            result = _run_size(n, args.queries, Path(workdir))
            for name, (p50, p99) in result.items():
                table.append(f"| {n:,} | {name} | {p50:.2f} | {p99:.2f} |")
                print(f"{n:>7} {name:<45} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms", flush=True)
            access, decrypt = result[ACCESS], result[DECRYPT]
            by_day, by_category = result[PLAIN_DAY], result[PLAIN_CATEGORY]
            ratios.append(
                f"| {n:,} | {decrypt[0] / by_day[0]:.2f} | {decrypt[0] / by_category[0]:.2f} "
                f"| {access[0] / by_day[0]:.2f} | {access[0] / by_category[0]:.2f} |"
            )
    body = (
        f"Command: `.venv/bin/python -m benchmarks.spending --sizes {args.sizes} "
        f"--queries {args.queries} --write`  \n"
        f"Machine: {describe()}  \nDate: {date.today().isoformat()}\n\n"
        "One customer, N transactions over 5 years, SQLite; random 12-month category "
        "totals, the three ways interleaved per question, every answer checked equal to "
        "the plaintext one.\n\n"
        + "\n".join(table)
        + "\n\nMedian ratios against the plaintext SQL SUMs of the same run (below 1: "
        "faster than plaintext):\n\n"
        "| transactions | decrypt+sum / plain (day) | decrypt+sum / plain (category, day) "
        "| access / plain (day) | access / plain (category, day) |\n"
        "|---|---|---|---|---|\n" + "\n".join(ratios)
    )
    print(body)
    if args.write:
        write_section("Spending questions over encrypted data (benchmarks/spending.py)", body)


if __name__ == "__main__":
    main()
