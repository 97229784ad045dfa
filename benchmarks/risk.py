"""Fraud risk scoring speed: one transaction with its feature update, and batch replay.

Usage: .venv/bin/python -m benchmarks.risk [--customers 5000] [--terminals 10000]
       [--days 183] [--single 20000] [--write]

* single: ``RiskScorer.score`` (feature update + the model's trees) per transaction, for
  the ``--single`` transactions after a state warmed up on all earlier days; the label
  of each is recorded after it (not timed), as the server would;
* batch: ``RiskScorer.replay`` of the whole simulation (sort by time, streaming features,
  bulk prediction), transactions per second.
The model is trained on the handbook's training week (2018-07-25..31).
Targets (issue 6): single p99 <= 2 ms, batch >= 20,000 transactions/s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

import numpy as np

from benchmarks.machine import describe, write_section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--terminals", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=183)
    parser.add_argument("--single", type=int, default=20_000)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    from openteller.risk.model import RiskModel
    from openteller.risk.scorer import RiskScorer, replay_features
    from openteller.risk.simulator import simulate

    simulation = simulate(args.customers, args.terminals, args.days, seed=0)
    transactions = list(simulation.transactions())
    n = len(transactions)
    train = np.flatnonzero((simulation.days >= 115) & (simulation.days < 122))
    first_single = n - args.single
    matrix = replay_features(transactions[:first_single])
    model = RiskModel.train(matrix[train], simulation.fraud[train], seed=0)

    scorer = RiskScorer(model)
    begin = time.perf_counter()
    replayed = scorer.replay(transactions)
    batch_seconds = time.perf_counter() - begin
    assert len(replayed) == n

    scorer = RiskScorer(model)
    scorer.replay(transactions[:first_single])
    singles = []
    for tx in transactions[first_single:]:
        begin = time.perf_counter()
        scorer.score(tx)
        singles.append(time.perf_counter() - begin)
        scorer.record_label(tx, bool(tx.fraud), tx.when)
    ordered = sorted(singles)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[round(0.99 * (len(ordered) - 1))] * 1000
    rate = n / batch_seconds
    body = (
        f"Command: `.venv/bin/python -m benchmarks.risk --customers {args.customers} "
        f"--terminals {args.terminals} --days {args.days} --single {args.single} --write`  \n"
        f"Machine: {describe()}  \nDate: {date.today().isoformat()}\n\n"
        f"Simulation (seed 0): {n:,} transactions; model: {len(model.roots)} trees, "
        f"{len(model.features)} features, trained on the week from 2018-07-25. Single = "
        "`RiskScorer.score` (feature update + trees in Python) of the last "
        f"{args.single:,} transactions after a state warmed up on all before them; batch = "
        "`RiskScorer.replay` of all of them (sort, streaming features, bulk prediction).\n\n"
        "| measure | result | target | met? |\n|---|---|---|---|\n"
        f"| single score, p50 | {p50:.3f} ms | | |\n"
        f"| single score, p99 | {p99:.3f} ms | <= 2 ms | {'yes' if p99 <= 2 else 'no'} |\n"
        f"| batch replay | {rate:,.0f} tx/s ({batch_seconds:.1f} s) | >= 20,000 tx/s | "
        f"{'yes' if rate >= 20_000 else 'no'} |\n"
    )
    print(body)
    if args.write:
        write_section("Risk scoring (benchmarks/risk.py)", body)


if __name__ == "__main__":
    main()
