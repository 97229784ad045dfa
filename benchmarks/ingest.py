"""Ingest speed and memory: full ingest vs parse-only, for OFX and CSV.

Usage: .venv/bin/python -m benchmarks.ingest [--n 1000000] [--formats csv,ofx] [--write]

For each format the script generates a synthetic statement of N transactions (not
timed), then in separate child processes (so peak memory is per phase) runs:
  * parse-only: the format reader over the file, counting transactions;
  * full ingest: detection, parsing, card masking, merchant normalisation,
    categorisation, dedupe, encryption and storage into a fresh SQLite database, once
    in one process and once with reading and preparation in a second process (the
    default for large files on a machine with two cores or more).
It reports transactions/second, the ratio full/parse and each phase's peak RSS (for the
two-process ingest, of the storing process; the reading process's is printed too).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.machine import describe, write_section


def _parse_only(path: str, fmt: str, queue: Any) -> None:
    from openteller.ingest.records import ParsedTransaction
    from openteller.ingest.registry import build_readers

    reader = build_readers()[fmt]
    start = time.perf_counter()
    count = 0
    with open(path, "rb") as handle:
        for record in reader.read(handle, Path(path).name):
            if isinstance(record, ParsedTransaction):
                count += 1
    elapsed = time.perf_counter() - start
    queue.put((count, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def _full_ingest(path: str, fmt: str, workdir: str, second_process: bool, queue: Any) -> None:
    from openteller.bootstrap import App
    from openteller.ingest.registry import build_readers
    from openteller.privacy.keys import write_key_file
    from openteller.settings import Settings

    key = Path(workdir) / f"{fmt}-{second_process}.key"
    write_key_file(key)
    db = Path(workdir) / f"{fmt}-{second_process}.db"
    app = App(
        Settings(
            database_url=f"sqlite:///{db}",
            master_key_file=key,
            ingest_second_process=second_process,
            ingest_second_process_from_bytes=0,
        )
    )
    app.init()
    readers = build_readers()
    start = time.perf_counter()
    report = app.ingest.ingest_file(Path(path), "bench", readers, format_name=None)
    elapsed = time.perf_counter() - start
    app.close()
    assert report.status == "ok", report.error
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if children:
        print(f"  (reading process peak RSS {children / 1024:.0f} MB)")
    queue.put(
        (report.transactions_added, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    )


def _run(target: Any, *args: Any) -> tuple[int, float, int]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--formats", default="csv,ofx")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()

    from openteller.demo.files import write_csv, write_ofx
    from openteller.demo.generator import generate

    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for fmt in args.formats.split(","):
            path = Path(workdir) / f"bench.{fmt}"
            transactions = generate(7, date(2015, 1, 1), args.n)
            if fmt == "csv":
                write_csv(path, transactions)
            else:
                write_ofx(path, transactions, account="9876543210")
            size_mb = path.stat().st_size / 1e6
            n_parse, t_parse, rss_parse = _run(_parse_only, str(path), fmt)
            for second_process in (False, True):
                n_full, t_full, rss_full = _run(
                    _full_ingest, str(path), fmt, workdir, second_process
                )
                assert n_parse == args.n == n_full, (n_parse, n_full)
                processes = "two processes" if second_process else "one process"
                rows.append(
                    (
                        fmt,
                        processes,
                        size_mb,
                        args.n / t_parse,
                        args.n / t_full,
                        t_parse / t_full,
                        rss_parse / 1024,
                        rss_full / 1024,
                    )
                )
                print(
                    f"{fmt} ({processes}): parse {args.n / t_parse:,.0f} tx/s, "
                    f"full {args.n / t_full:,.0f} tx/s, ratio {t_parse / t_full:.0%}, "
                    f"peak RSS {rss_parse / 1024:.0f} / {rss_full / 1024:.0f} MB"
                )
    table = [
        "| format | full ingest in | file size | parse-only tx/s | full ingest tx/s "
        "| full / parse | peak RSS parse | peak RSS full |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for fmt, processes, size, parse_rate, full_rate, ratio, rss_p, rss_f in rows:
        table.append(
            f"| {fmt} | {processes} | "
            f"{size:.0f} MB | {parse_rate:,.0f} | {full_rate:,.0f} | {ratio:.0%} | "
            f"{rss_p:.0f} MB | {rss_f:.0f} MB |"
        )
    body = (
        f"Command: `.venv/bin/python -m benchmarks.ingest --n {args.n} --write`  \n"
        f"Machine: {describe()}  \nDate: {date.today().isoformat()}\n\n"
        "Full ingest = detection, parsing, card masking, merchant normalisation, "
        "categorisation, dedupe, AES-GCM encryption and storage in a fresh SQLite file, "
        "in one database transaction; in one process, or with reading and preparation in a "
        "second process and categorisation shared between the two (the default for files "
        "from 8 MB on a machine with two cores or more). Parse-only = the format reader "
        "alone, in the same script. Peak RSS is per phase (separate processes; for two "
        "processes, the storing one).\n\n" + "\n".join(table)
    )
    print(body)
    if args.write:
        write_section("Ingest (benchmarks/ingest.py)", body)


if __name__ == "__main__":
    main()
