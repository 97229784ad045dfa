"""The features of :mod:`openteller.risk.features` recomputed from a whole table.

The reference the streaming state is tested against: it sees every row at once and
applies the window definitions directly (per customer and per terminal, with sorted
times and ``searchsorted``), the way the handbook computes them with pandas rolling
windows. Rows must be sorted by time; a fraud label of row j counts for row i when j < i
and ``max(time_j + delay, known_at_j) <= time_i``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

import numpy as np
from numpy.typing import NDArray

from openteller.risk.features import FEATURES, MIN_STD
from openteller.risk.records import (
    DAY,
    LABEL_DELAY_DAYS,
    WINDOWS_DAYS,
    RiskTransaction,
    from_micros,
    to_micros,
)

_COLUMN = {name: i for i, name in enumerate(FEATURES)}


def batch_features(
    transactions: Sequence[RiskTransaction],
    known_at: Sequence[int | None] | None = None,
    delay_days: int = LABEL_DELAY_DAYS,
) -> NDArray[np.float64]:
    """The feature matrix of time-sorted ``transactions`` (labels from ``tx.fraud``).

    ``known_at[i]`` is when row i's label was recorded, in microseconds (default: the
    transaction's own time, so the label counts once ``delay`` old).
    """
    n = len(transactions)
    times = np.array([to_micros(tx.when) for tx in transactions], dtype=np.int64)
    if n and np.any(np.diff(times) < 0):
        raise ValueError("transactions must be sorted by time")
    amounts = np.array([float(tx.amount) for tx in transactions])
    recorded = np.array(
        [times[i] if known_at is None or known_at[i] is None else known_at[i] for i in range(n)],
        dtype=np.int64,
    )
    delay = delay_days * DAY
    visible = np.where(
        np.array([tx.fraud is True for tx in transactions]),
        np.maximum(times + delay, recorded),
        np.iinfo(np.int64).max,
    )
    out = np.full((n, len(FEATURES)), np.nan)
    out[:, 0] = amounts
    for i, t in enumerate(times):
        moment = from_micros(int(t))
        out[i, 1] = float(moment.weekday() >= 5)
        out[i, 2] = float(moment.hour <= 6)
    for rows in _groups([tx.customer_id for tx in transactions]):
        _customer(out, rows, times[rows], amounts[rows], visible[rows], delay)
    for rows in _groups([tx.terminal_id for tx in transactions]):
        _terminal(out, rows, times[rows], visible[rows], delay)
    return out


def _groups(keys: list[str]) -> list[NDArray[np.int64]]:
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    return [np.array(rows, dtype=np.int64) for rows in groups.values()]


def _customer(
    out: NDArray[np.float64],
    rows: NDArray[np.int64],
    times: NDArray[np.int64],
    amounts: NDArray[np.float64],
    visible: NDArray[np.int64],
    delay: int,
) -> None:
    for k, (row, t) in enumerate(zip(rows, times, strict=True)):
        for w in WINDOWS_DAYS:
            first = int(np.searchsorted(times, t - w * DAY, side="right"))
            window = amounts[first : k + 1]
            out[row, _COLUMN[f"CUSTOMER_ID_NB_TX_{w}DAY_WINDOW"]] = len(window)
            out[row, _COLUMN[f"CUSTOMER_ID_AVG_AMOUNT_{w}DAY_WINDOW"]] = window.mean()
        first = int(np.searchsorted(times, t - 30 * DAY, side="right"))
        earlier = amounts[first:k]
        if len(earlier):
            mean = earlier.mean()
            if mean > 0:
                out[row, _COLUMN["CUSTOMER_AMOUNT_RATIO_30DAY"]] = amounts[k] / mean
            std = math.sqrt(float(((earlier - mean) ** 2).mean()))
            if len(earlier) >= 2 and std >= MIN_STD:
                out[row, _COLUMN["CUSTOMER_AMOUNT_ZSCORE_30DAY"]] = (amounts[k] - mean) / std
        known = (visible[:k] <= t) & (times[:k] > t - delay - 30 * DAY)
        out[row, _COLUMN["CUSTOMER_NB_KNOWN_FRAUD_30DAY"]] = known.sum()


def _terminal(
    out: NDArray[np.float64],
    rows: NDArray[np.int64],
    times: NDArray[np.int64],
    visible: NDArray[np.int64],
    delay: int,
) -> None:
    for k, (row, t) in enumerate(zip(rows, times, strict=True)):
        end = t - delay
        for w in WINDOWS_DAYS:
            inside = (times[:k] > end - w * DAY) & (times[:k] <= end)
            count = int(inside.sum())
            frauds = int((inside & (visible[:k] <= t)).sum())
            out[row, _COLUMN[f"TERMINAL_ID_NB_TX_{w}DAY_WINDOW"]] = count
            out[row, _COLUMN[f"TERMINAL_ID_RISK_{w}DAY_WINDOW"]] = frauds / count if count else 0
            if w == 7:
                out[row, _COLUMN["TERMINAL_NB_KNOWN_FRAUD_7DAY"]] = frauds
        known = (times[:k] > end - 30 * DAY) & (times[:k] <= end) & (visible[:k] <= t)
        if known.any():
            latest = int(times[:k][known].max())
            since = timedelta(microseconds=int(t - latest))
            out[row, _COLUMN["TERMINAL_DAYS_SINCE_KNOWN_FRAUD"]] = since / timedelta(days=1)
            after = (times[:k] > latest) & (times[:k] <= end)
            out[row, _COLUMN["TERMINAL_NB_TX_AFTER_KNOWN_FRAUD"]] = after.sum()
            first = timedelta(microseconds=int(t - int(times[:k][known].min())))
            out[row, _COLUMN["TERMINAL_DAYS_SINCE_FIRST_KNOWN_FRAUD"]] = first / timedelta(days=1)
