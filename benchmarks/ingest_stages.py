"""Where full-ingest time goes: microseconds per transaction for each stage.

Usage: .venv/bin/python -m benchmarks.ingest_stages [--n 200000] [--write]

Generates the benchmark CSV, parses it once (timed: the reader's own cost), then runs each
per-transaction stage of the ingest service over the parsed records in the same process,
and the storage step (block encoding, encryption, SQLite) over the rows. Medians of 3 runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.machine import describe, write_section


def _median_us(runs: int, n: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()

    from openteller.categorise.categoriser import Categoriser
    from openteller.categorise.merchants import normalise_merchant
    from openteller.demo.files import write_csv
    from openteller.demo.generator import generate
    from openteller.domain.card_numbers import sanitise
    from openteller.domain.money import to_minor
    from openteller.ingest.csv_reader import CsvReader
    from openteller.ingest.dedupe import DedupeKeys
    from openteller.ingest.records import ParsedTransaction
    from openteller.privacy.cipher import CustomerCipher
    from openteller.store.ledger_codec import LedgerRow, encode_details, encode_numeric

    n = args.n
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "bench.csv"
        write_csv(path, generate(7, date(2015, 1, 1), n))

        def parse() -> list[ParsedTransaction]:
            with path.open("rb") as handle:
                return [
                    r for r in CsvReader().read(handle, path.name)
                    if isinstance(r, ParsedTransaction)
                ]  # fmt: skip

        records = parse()
        rows: list[LedgerRow] = []
        categoriser = Categoriser()
        keys = DedupeKeys()
        cipher = CustomerCipher(os.urandom(32))

        def rows_of() -> None:
            rows.clear()
            for r in records:
                rows.append(
                    LedgerRow(
                        id="", key="k", booking_date=r.booking_date, value_date=None,
                        amount_minor=1, currency="EUR", category=1, pending=False,
                        description=r.description, merchant="m", mcc="", counterparty="",
                        reference="",
                    )
                )  # fmt: skip

        def store() -> None:
            for start in range(0, len(rows), 500):
                chunk = rows[start : start + 500]
                cipher.encrypt(encode_numeric(chunk), "n")
                cipher.encrypt(encode_details(chunk), "d")

        stages: list[tuple[str, Callable[[], Any]]] = [
            ("parse (CSV reader)", parse),
            ("amount to minor units", lambda: [to_minor(r.amount, "GBP") for r in records]),
            ("card-number scrubbing", lambda: [sanitise(r.description) for r in records]),
            (
                "merchant normalisation",
                lambda: [normalise_merchant(r.description) for r in records],
            ),
            (
                "categorisation",
                lambda: [
                    categoriser.categorise(
                        merchant="Shop", description=r.description, amount=r.amount, mcc=r.mcc
                    )
                    for r in records
                ],
            ),
            (
                "dedupe key",
                lambda: [
                    keys.key(
                        account="a",
                        bank_id=r.bank_id,
                        booking_date=r.booking_date,
                        amount_minor=1,
                        currency="GBP",
                        description=r.description,
                    )
                    for r in records
                ],
            ),
            ("ledger row objects", rows_of),
            ("block encoding + AES-GCM (500-row blocks)", store),
        ]
        results = [(name, _median_us(3, n, work)) for name, work in stages]
    lines = [f"{name:45} {us:7.2f} us/tx" for name, us in results]
    print("\n".join(lines))
    if args.write:
        table = ["| stage | µs per transaction |", "|---|---|"]
        table += [f"| {name} | {us:.2f} |" for name, us in results]
        write_section(
            "Ingest stages (benchmarks/ingest_stages.py)",
            f"Command: `.venv/bin/python -m benchmarks.ingest_stages --n {n} --write`  \n"
            f"Machine: {describe()}  \nDate: {date.today().isoformat()}\n\n"
            "Median of 3 runs per stage over the same parsed CSV records, in one process. "
            "Merchant normalisation and categorisation are cached per digit-collapsed "
            "descriptor, so their cost is mostly first sightings.\n\n" + "\n".join(table),
        )


if __name__ == "__main__":
    main()
