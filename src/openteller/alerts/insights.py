"""Proactive insights: pure functions over a customer's transactions.

Each function takes the customer's transactions (any order) and "today", and returns the
insights to offer; delivering them (only under the customer's opt-in consent for
proactive insights, and only when the messaging rules allow) is the caller's job.

* duplicate charge: the same merchant charging the same amount twice on one day;
* new recurring charge / recurring increase: a merchant charging about the same amount
  (within 7.5%) at a steady interval (monthly or weekly, give or take 2 days) — new when
  it has just reached three charges, increased when the latest is more than 7.5% above
  the usual one;
* low balance: a balance under the customer's threshold;
* weekly spending so far against the usual (median of the previous weeks, same days);
* an unusually large transaction for this customer.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

#: Amounts this close count as "the same" recurring charge.
RECURRING_TOLERANCE = Decimal("0.075")
#: Days of slack around a monthly or weekly rhythm.
RHYTHM_SLACK = 2


@dataclass(frozen=True, slots=True)
class Tx:
    """What the insights need of a transaction (amount signed: money out is negative)."""

    id: str
    day: date
    amount: Decimal
    merchant: str
    spending: bool = True  # False for transfers, card payments and income


@dataclass(frozen=True, slots=True)
class Insight:
    kind: str  # duplicate_charge | new_recurring | recurring_increase | low_balance | ...
    merchant: str
    amount: Decimal
    day: date
    detail: str
    transactions: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Identifies the insight, so the same one is never offered twice."""
        return f"{self.kind}:{self.merchant.lower()}:{self.day.isoformat()}:{self.amount}"


def _charges(transactions: Iterable[Tx]) -> list[Tx]:
    return sorted(
        (t for t in transactions if t.spending and t.amount < 0 and t.merchant),
        key=lambda t: (t.day, t.id),
    )


def duplicate_charges(transactions: Iterable[Tx], today: date, days: int = 7) -> list[Insight]:
    """Same merchant, same amount, same day, in the last ``days`` days."""
    groups: dict[tuple[str, date, Decimal], list[Tx]] = defaultdict(list)
    for t in _charges(transactions):
        if today - timedelta(days=days) < t.day <= today:
            groups[(t.merchant.lower(), t.day, t.amount)].append(t)
    return [
        Insight(
            "duplicate_charge",
            items[0].merchant,
            -items[0].amount,
            day,
            f"{items[0].merchant} charged {-items[0].amount} {len(items)} times on {day}",
            tuple(t.id for t in items),
        )
        for (_merchant, day, _amount), items in sorted(groups.items(), key=lambda kv: kv[0][1])
        if len(items) > 1
    ]


def _close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= RECURRING_TOLERANCE * max(abs(a), abs(b))


def _rhythm(gaps: Sequence[int]) -> str | None:
    if gaps and all(abs(g - 7) <= RHYTHM_SLACK for g in gaps):
        return "weekly"
    if gaps and all(28 - RHYTHM_SLACK <= g <= 31 + RHYTHM_SLACK for g in gaps):
        return "monthly"
    return None


def recurring(transactions: Iterable[Tx], today: date, days: int = 7) -> list[Insight]:
    """New recurring charges and recurring increases whose latest charge is recent."""
    by_merchant: dict[str, list[Tx]] = defaultdict(list)
    for t in _charges(transactions):
        by_merchant[t.merchant.lower()].append(t)
    found = []
    for charges in by_merchant.values():
        latest = charges[-1]
        if not today - timedelta(days=days) < latest.day <= today or len(charges) < 3:
            continue
        previous = charges[:-1]
        gaps = [(b.day - a.day).days for a, b in itertools.pairwise(charges)]
        rhythm = _rhythm(gaps)
        if rhythm is None:
            continue
        usual = Decimal(statistics.median([-t.amount for t in previous]))
        steady = all(_close(-t.amount, usual) for t in previous)
        if not steady:
            continue
        if -latest.amount > usual * (1 + RECURRING_TOLERANCE):
            found.append(
                Insight(
                    "recurring_increase",
                    latest.merchant,
                    -latest.amount,
                    latest.day,
                    f"{latest.merchant} ({rhythm}) went up from {usual:.2f} to {-latest.amount}",
                    tuple(t.id for t in charges[-2:]),
                )
            )
        elif _close(-latest.amount, usual) and len(charges) == 3:
            found.append(
                Insight(
                    "new_recurring",
                    latest.merchant,
                    -latest.amount,
                    latest.day,
                    f"{latest.merchant} looks like a new {rhythm} charge of {-latest.amount}",
                    tuple(t.id for t in charges),
                )
            )
    return sorted(found, key=lambda i: (i.day, i.merchant))


def low_balance(balance: Decimal, threshold: Decimal, day: date, account: str) -> list[Insight]:
    """A balance under the customer's threshold."""
    if balance >= threshold:
        return []
    return [
        Insight(
            "low_balance",
            account,
            balance,
            day,
            f"{account} is at {balance}, under your {threshold} alert",
        )
    ]


def _week_start(day: date, week_start: int) -> date:
    return day - timedelta(days=(day.weekday() - week_start) % 7)


def weekly_spending(
    transactions: Iterable[Tx], today: date, *, weeks: int = 8, week_start: int = 0
) -> list[Insight]:
    """Spending so far this week against the median of the same days of previous weeks."""
    start = _week_start(today, week_start)
    elapsed = (today - start).days
    charges = _charges(transactions)

    def spent(first: date) -> Decimal:
        last = first + timedelta(days=elapsed)
        return sum((-t.amount for t in charges if first <= t.day <= last), Decimal(0))

    history = [spent(start - timedelta(weeks=n)) for n in range(1, weeks + 1)]
    history = [h for h in history if h > 0]
    if len(history) < 3:
        return []
    usual = Decimal(statistics.median(history))
    now = spent(start)
    direction = "more" if now > usual else "less"
    return [
        Insight(
            "weekly_spending",
            "",
            now,
            today,
            f"{now} spent so far this week, {direction} than your usual {usual:.2f}",
        )
    ]


def unusually_large(
    transactions: Iterable[Tx], today: date, *, days: int = 7, factor: Decimal = Decimal(3)
) -> list[Insight]:
    """Recent charges above ``factor`` times this customer's 95th-percentile charge."""
    charges = _charges(transactions)
    older = [-t.amount for t in charges if t.day <= today - timedelta(days=days)]
    if len(older) < 20:
        return []
    ordered = sorted(older)
    typical = ordered[int(0.95 * (len(ordered) - 1))]
    return [
        Insight(
            "unusually_large",
            t.merchant,
            -t.amount,
            t.day,
            f"{t.merchant} {-t.amount} is far above your usual payments",
            (t.id,),
        )
        for t in charges
        if today - timedelta(days=days) < t.day <= today and -t.amount > factor * typical
    ]
