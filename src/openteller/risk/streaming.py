"""Features updated one transaction at a time, with labels that count only once old.

Feed transactions in time order to :meth:`StreamingFeatures.features_for`; it updates the
state and returns the row of :data:`features.FEATURES` for the transaction. Feed
outcomes with :meth:`StreamingFeatures.record_label` whenever the bank learns them: a
fraud label is counted from ``max(transaction time + delay, known_at)`` on.

A transaction older than one already seen is taken as happening at the latest time seen
(the server may see small reorderings); a replay sorts by time first, so none happen.

Memory is bounded: events older than 30 days (customers' amounts) or 30 days + delay
(terminals, fraud labels, the transaction ids labels may name) are evicted, and a sweep
once a day drops customers and terminals with nothing left.
"""

from __future__ import annotations

import heapq
import math
import operator
from bisect import bisect_right, insort
from collections import deque
from datetime import datetime

from openteller.risk.features import FEATURES, MIN_STD
from openteller.risk.records import DAY, HOUR, LABEL_DELAY_DAYS, RiskTransaction, to_micros

NAN = math.nan
_THIRTY = 30 * DAY


class _Customer:
    __slots__ = ("amounts", "frauds", "times")

    def __init__(self) -> None:
        self.times: list[int] = []
        self.amounts: list[float] = []
        self.frauds: list[int] = []  # times of transactions known to be fraud


class _Terminal:
    __slots__ = ("frauds", "times")

    def __init__(self) -> None:
        self.times: list[int] = []
        self.frauds: list[int] = []


class _Seen:
    __slots__ = ("customer", "labelled", "terminal", "time")

    def __init__(self, time: int, customer: str, terminal: str) -> None:
        self.time, self.customer, self.terminal = time, customer, terminal
        self.labelled = False


class StreamingFeatures:
    """Per-customer and per-terminal state; see :mod:`openteller.risk.features`."""

    names = FEATURES

    def __init__(self, delay_days: int = LABEL_DELAY_DAYS) -> None:
        self.delay = delay_days * DAY
        self._horizon = self.delay + _THIRTY
        self._customers: dict[str, _Customer] = {}
        self._terminals: dict[str, _Terminal] = {}
        self._seen: dict[str, _Seen] = {}
        self._seen_order: deque[tuple[int, str]] = deque()
        self._pending: list[tuple[int, int, int, str, str]] = []
        self._sequence = 0
        self._now = -(2**62)
        self._next_sweep = self._now

    def __len__(self) -> int:
        """How many transactions the state remembers (for the memory bound)."""
        return len(self._seen)

    def features_for(self, tx: RiskTransaction) -> list[float]:
        """Add ``tx`` to the state and return its feature row."""
        t = max(to_micros(tx.when), self._now)
        self._now = t
        if self._pending and self._pending[0][0] <= t:
            self._release(t)
        if t >= self._next_sweep:
            self._sweep(t)
        amount = float(tx.amount)
        row = [amount, float((t // DAY + 3) % 7 >= 5), float(t % DAY // HOUR <= 6)]
        customer = self._customers.get(tx.customer_id)
        if customer is None:
            customer = self._customers[tx.customer_id] = _Customer()
        ratio, zscore = self._customer_windows(customer, t, amount, row)
        terminal = self._terminals.get(tx.terminal_id)
        if terminal is None:
            terminal = self._terminals[tx.terminal_id] = _Terminal()
        known_7, since, after, first = self._terminal_windows(terminal, t, row)
        frauds = customer.frauds
        if frauds and frauds[0] <= t - self._horizon:
            del frauds[: bisect_right(frauds, t - self._horizon)]
        row += [ratio, zscore, float(len(frauds)), known_7, since, after, first]
        self._remember(tx.transaction_id, t, tx.customer_id, tx.terminal_id)
        return row

    def _customer_windows(
        self, customer: _Customer, t: int, amount: float, row: list[float]
    ) -> tuple[float, float]:
        times, amounts = customer.times, customer.amounts
        if times and times[0] <= t - _THIRTY:
            cut = bisect_right(times, t - _THIRTY)
            del times[:cut], amounts[:cut]
        earlier = len(amounts)
        total = sum(amounts)
        ratio = zscore = NAN
        if earlier:
            mean = total / earlier
            if mean > 0:
                ratio = amount / mean
            if earlier >= 2:
                variance = sum(map(operator.mul, amounts, amounts)) / earlier - mean * mean
                std = math.sqrt(variance) if variance > 0 else 0.0
                if std >= MIN_STD:
                    zscore = (amount - mean) / std
        times.append(t)
        amounts.append(amount)
        count = earlier + 1
        start_7 = bisect_right(times, t - 7 * DAY)
        start_1 = bisect_right(times, t - DAY, start_7)
        week = amounts[start_7:] if start_7 else amounts
        day = week[start_1 - start_7 :]
        row += [
            float(count - start_1),
            sum(day) / (count - start_1),
            float(count - start_7),
            sum(week) / (count - start_7),
            float(count),
            (total + amount) / count,
        ]
        return ratio, zscore

    def _terminal_windows(
        self, terminal: _Terminal, t: int, row: list[float]
    ) -> tuple[float, float, float, float]:
        times, frauds = terminal.times, terminal.frauds
        oldest = t - self._horizon
        if times and times[0] <= oldest:
            del times[: bisect_right(times, oldest)]
        if frauds and frauds[0] <= oldest:
            del frauds[: bisect_right(frauds, oldest)]
        end = t - self.delay
        top, fraud_top = bisect_right(times, end), bisect_right(frauds, end)
        known_7 = 0.0
        for days in (1, 7, 30):
            count = top - bisect_right(times, end - days * DAY)
            known = fraud_top - bisect_right(frauds, end - days * DAY) if frauds else 0
            row += [float(count), known / count if count else 0.0]
            if days == 7:
                known_7 = float(known)
        since = after = first = NAN
        if fraud_top:
            latest = frauds[fraud_top - 1]
            since = (t - latest) / DAY
            after = float(top - bisect_right(times, latest))
            first = (t - frauds[0]) / DAY
        times.append(t)
        return known_7, since, after, first

    def _remember(self, transaction_id: str, t: int, customer: str, terminal: str) -> None:
        self._seen[transaction_id] = _Seen(t, customer, terminal)
        order = self._seen_order
        order.append((t, transaction_id))
        oldest = t - self._horizon
        while order[0][0] <= oldest:
            when, old_id = order.popleft()
            entry = self._seen.get(old_id)
            if entry is not None and entry.time == when:
                del self._seen[old_id]

    def record_label(
        self, transaction: RiskTransaction | str, fraud: bool, known_at: datetime
    ) -> bool:
        """Record the outcome of a transaction already fed to :meth:`features_for`.

        A fraud counts in features from ``max(its time + delay, known_at)`` on; a genuine
        outcome changes nothing (unlabelled transactions count as genuine). Returns
        False when the transaction is unknown or too old to matter any more.
        """
        key = transaction if isinstance(transaction, str) else transaction.transaction_id
        entry = self._seen.get(key)
        if entry is None:
            return False
        if not fraud or entry.labelled:
            return True
        entry.labelled = True
        visible = max(entry.time + self.delay, to_micros(known_at))
        self._sequence += 1
        heapq.heappush(
            self._pending,
            (visible, self._sequence, entry.time, entry.customer, entry.terminal),
        )
        return True

    def _release(self, t: int) -> None:
        pending = self._pending
        while pending and pending[0][0] <= t:
            _, _, when, customer_id, terminal_id = heapq.heappop(pending)
            if when <= t - self._horizon:
                continue
            insort(self._customers.setdefault(customer_id, _Customer()).frauds, when)
            insort(self._terminals.setdefault(terminal_id, _Terminal()).frauds, when)

    def _sweep(self, t: int) -> None:
        """Drop customers and terminals whose every event is past the horizon."""
        self._next_sweep = t + DAY
        for key, customer in list(self._customers.items()):
            if (not customer.times or customer.times[-1] <= t - _THIRTY) and (
                not customer.frauds or customer.frauds[-1] <= t - self._horizon
            ):
                del self._customers[key]
        for key, terminal in list(self._terminals.items()):
            if (not terminal.times or terminal.times[-1] <= t - self._horizon) and (
                not terminal.frauds or terminal.frauds[-1] <= t - self._horizon
            ):
                del self._terminals[key]
