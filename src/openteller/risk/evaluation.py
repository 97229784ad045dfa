"""The handbook's performance metrics (chapter 4): AUC ROC, average precision, and card
precision top-k.

Card precision top-k (CP@k), as the book defines it for a test period:

* each day, the transactions of cards already *detected* on an earlier test day are
  set aside;
* the remaining transactions are grouped by card (customer), a card's score is the
  maximum of its transactions' scores and a card is compromised when any of its
  transactions that day is fraud;
* the day's precision is the share of compromised cards among the ``k`` highest scored
  (ties broken by card id; a day with fewer than ``k`` cards still divides by ``k``);
  the compromised cards among those ``k`` are *detected*;
* CP@k is the mean of the daily precisions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Metrics:
    auc_roc: float
    average_precision: float
    card_precision: float
    transactions: int
    frauds: int

    def row(self) -> tuple[str, str, str]:
        return f"{self.auc_roc:.3f}", f"{self.average_precision:.3f}", f"{self.card_precision:.3f}"


def card_precision_top_k(
    days: NDArray[np.int64],
    cards: NDArray[np.int64],
    fraud: NDArray[np.int8],
    scores: NDArray[np.float64],
    k: int = 100,
) -> tuple[float, list[float]]:
    """CP@k over the test days, and the precision of each day (see the module docstring)."""
    detected: set[int] = set()
    daily: list[float] = []
    for day in np.unique(days):
        on_day = np.flatnonzero(days == day)
        best: dict[int, tuple[float, bool]] = {}
        for row in on_day:
            card = int(cards[row])
            if card in detected:
                continue
            score, bad = best.get(card, (-np.inf, False))
            best[card] = (max(score, float(scores[row])), bad or bool(fraud[row]))
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:k]
        found = [card for card, (_, bad) in ranked if bad]
        daily.append(len(found) / k)
        detected.update(found)
    return (float(np.mean(daily)) if daily else float("nan")), daily


def evaluate(
    days: NDArray[np.int64],
    cards: NDArray[np.int64],
    fraud: NDArray[np.int8],
    scores: NDArray[np.float64],
    k: int = 100,
) -> Metrics:
    """AUC ROC and average precision (scikit-learn) and CP@k of one test set."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    both = len(np.unique(fraud)) == 2
    return Metrics(
        auc_roc=float(roc_auc_score(fraud, scores)) if both else float("nan"),
        average_precision=float(average_precision_score(fraud, scores)) if both else float("nan"),
        card_precision=card_precision_top_k(days, cards, fraud, scores, k)[0],
        transactions=len(fraud),
        frauds=int(np.sum(fraud)),
    )
