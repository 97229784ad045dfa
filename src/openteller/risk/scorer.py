"""Streaming features + model: score one transaction as it happens, or replay a file.

:meth:`RiskScorer.score` is what the server calls per transaction (the state is updated);
outcomes are fed with :meth:`RiskScorer.record_label`. :meth:`RiskScorer.replay` sorts
transactions by time, computes their features through the same streaming state (each
known label recorded right after its transaction, so it counts once ``delay`` old) and
predicts in bulk: the features, and so the scores, are those of per-transaction scoring.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from openteller.risk.model import RiskModel
from openteller.risk.records import RiskTransaction, to_micros
from openteller.risk.streaming import StreamingFeatures


def in_time_order(transactions: Iterable[RiskTransaction]) -> list[RiskTransaction]:
    """The transactions sorted by time (stable: equal times keep their order)."""
    return sorted(transactions, key=lambda tx: to_micros(tx.when))


def replay_features(
    transactions: Sequence[RiskTransaction], state: StreamingFeatures | None = None
) -> NDArray[np.float64]:
    """The feature rows of time-ordered ``transactions``, each known label recorded at
    its transaction's time (so it counts once ``delay`` old)."""
    state = state or StreamingFeatures()
    features_for, record_label = state.features_for, state.record_label
    rows = []
    for tx in transactions:
        rows.append(features_for(tx))
        if tx.fraud is not None:
            record_label(tx, tx.fraud, tx.when)
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(state.names))


class RiskScorer:
    """A model and one streaming state."""

    def __init__(self, model: RiskModel, state: StreamingFeatures | None = None) -> None:
        self.model = model
        self.state = state or StreamingFeatures(model.delay_days)

    def score(self, tx: RiskTransaction) -> float:
        """Add ``tx`` to the state and return its probability of fraud."""
        return self.model.score_one(self.state.features_for(tx))

    def record_label(
        self, transaction: RiskTransaction | str, fraud: bool, known_at: datetime
    ) -> bool:
        """Feed an outcome (see :meth:`StreamingFeatures.record_label`)."""
        return self.state.record_label(transaction, fraud, known_at)

    def replay(self, transactions: Iterable[RiskTransaction]) -> list[tuple[str, float]]:
        """``(transaction_id, score)`` of every transaction, in time order."""
        ordered = in_time_order(transactions)
        scores = self.model.score_many(replay_features(ordered, self.state))
        return [(tx.transaction_id, float(s)) for tx, s in zip(ordered, scores, strict=True)]
