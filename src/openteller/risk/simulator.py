"""The handbook's transaction simulator (chapter 3.2), from its published description.

* customers: x, y uniform on a 100x100 grid; mean amount uniform 5..100, std = mean / 2;
  mean transactions a day uniform 0..4; they use the terminals within ``radius`` (5);
* terminals: x, y uniform on the grid;
* each day a customer makes Poisson(mean) transactions at a time drawn from
  N(noon, 20,000 s), discarded outside the day; amounts N(mean, std), a negative one
  redrawn uniform on 0..2 x mean, rounded to cents; the terminal drawn uniformly among
  the customer's;
* fraud scenarios (a later one overrides the scenario number of an earlier one):
  1. every amount over 220;
  2. each day, 2 terminals drawn at random are compromised for 28 days: all their
     transactions in that time are fraud;
  3. each day, 3 customers drawn at random have their card compromised for 14 days: a
     third of their transactions in that time (drawn) are fraud, with the amount
     multiplied by 5 (the others stay genuine, as in the book).

The random streams are numpy's (seeded by ``seed``), not the handbook's pandas/random
calls, so the data has the same distribution as the book's, not the same rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from openteller.risk.records import RiskTransaction

START = datetime(2018, 4, 1)
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Simulation:
    """Simulated transactions as columns, sorted by time; row i has TRANSACTION_ID i."""

    start: datetime
    seconds: NDArray[np.int64]  # since ``start``
    customer: NDArray[np.int64]
    terminal: NDArray[np.int64]
    amount: NDArray[np.float64]
    fraud: NDArray[np.int8]
    scenario: NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.seconds)

    @property
    def days(self) -> NDArray[np.int64]:
        return self.seconds // SECONDS_PER_DAY

    def datetimes(self) -> list[datetime]:
        return [self.start + timedelta(seconds=int(s)) for s in self.seconds]

    def transactions(self, labelled: bool = True) -> Iterator[RiskTransaction]:
        """The rows as records; ``labelled=False`` leaves every outcome unknown."""
        for i, when in enumerate(self.datetimes()):
            yield RiskTransaction(
                str(i),
                when,
                str(self.customer[i]),
                str(self.terminal[i]),
                float(self.amount[i]),
                bool(self.fraud[i]) if labelled else None,
            )


def simulate(
    n_customers: int = 5_000,
    n_terminals: int = 10_000,
    n_days: int = 183,
    start: datetime = START,
    seed: int = 0,
    radius: float = 5.0,
) -> Simulation:
    """Simulate ``n_days`` of transactions with the three fraud scenarios."""
    if n_customers < 3 or n_terminals < 2 or n_days < 1:
        raise ValueError("need at least 3 customers, 2 terminals and 1 day")
    rng = np.random.default_rng(seed)
    cx, cy = rng.uniform(0, 100, n_customers), rng.uniform(0, 100, n_customers)
    mean_amount = rng.uniform(5, 100, n_customers)
    mean_count = rng.uniform(0, 4, n_customers)
    tx, ty = rng.uniform(0, 100, n_terminals), rng.uniform(0, 100, n_terminals)
    seconds, customer, terminal, amounts = [], [], [], []
    for c in range(n_customers):
        near = np.flatnonzero(np.hypot(tx - cx[c], ty - cy[c]) < radius)
        crng = np.random.default_rng([seed, c])
        counts = crng.poisson(mean_count[c], n_days)
        total = int(counts.sum())
        day = np.repeat(np.arange(n_days, dtype=np.int64), counts)
        time_of_day = crng.normal(SECONDS_PER_DAY / 2, 20_000, total).astype(np.int64)
        amount = crng.normal(mean_amount[c], mean_amount[c] / 2, total)
        negative = amount < 0
        amount[negative] = crng.uniform(0, 2 * mean_amount[c], int(negative.sum()))
        keep = (time_of_day > 0) & (time_of_day < SECONDS_PER_DAY)
        if len(near) == 0 or not keep.any():
            continue
        kept = int(keep.sum())
        seconds.append(day[keep] * SECONDS_PER_DAY + time_of_day[keep])
        customer.append(np.full(kept, c, dtype=np.int64))
        terminal.append(near[crng.integers(0, len(near), kept)].astype(np.int64))
        amounts.append(np.round(amount[keep], 2))
    if not seconds:
        raise ValueError("no customer has a terminal within the radius")
    all_seconds = np.concatenate(seconds)
    order = np.argsort(all_seconds, kind="stable")
    sim_seconds = all_seconds[order]
    sim_customer = np.concatenate(customer)[order]
    sim_terminal = np.concatenate(terminal)[order]
    sim_amount = np.concatenate(amounts)[order]
    fraud, scenario = _add_frauds(
        rng,
        sim_seconds // SECONDS_PER_DAY,
        sim_customer,
        sim_terminal,
        sim_amount,
        n_customers,
        n_terminals,
        n_days,
    )
    return Simulation(start, sim_seconds, sim_customer, sim_terminal, sim_amount, fraud, scenario)


def _add_frauds(
    rng: np.random.Generator,
    days: NDArray[np.int64],
    customer: NDArray[np.int64],
    terminal: NDArray[np.int64],
    amount: NDArray[np.float64],
    n_customers: int,
    n_terminals: int,
    n_days: int,
) -> tuple[NDArray[np.int8], NDArray[np.int8]]:
    """Mark the three scenarios (amounts of scenario 3 are changed in place)."""
    scenario = np.zeros(len(days), dtype=np.int8)
    scenario[amount > 220] = 1
    compromised = np.zeros((n_terminals, n_days + 28), dtype=bool)
    for day in range(n_days):
        for t in rng.choice(n_terminals, 2, replace=False):
            compromised[t, day : day + 28] = True
    scenario[compromised[terminal, days]] = 2
    rows_of = _rows_by_customer(customer, n_customers)
    for day in range(n_days):
        cards = rng.choice(n_customers, 3, replace=False)
        rows = np.concatenate([rows_of[c] for c in cards])
        rows = rows[(days[rows] >= day) & (days[rows] < day + 14)]
        chosen = rng.choice(rows, len(rows) // 3, replace=False)
        amount[chosen] *= 5
        scenario[chosen] = 3
    return (scenario > 0).astype(np.int8), scenario


def _rows_by_customer(customer: NDArray[np.int64], n_customers: int) -> list[NDArray[np.int64]]:
    order = np.argsort(customer, kind="stable")
    bounds = np.searchsorted(customer[order], np.arange(n_customers + 1))
    return [order[bounds[c] : bounds[c + 1]] for c in range(n_customers)]
