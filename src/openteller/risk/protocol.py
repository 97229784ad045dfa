"""The handbook's validation protocol (chapters 3.5 and 5.2) on a labelled table.

* features of every transaction from one streaming pass, labels counting once 7 days
  old;
* training set: the 7 days from ``train_start``; then a 7-day delay period (not used);
  test set: the next 7 days;
* removed from the test set: the cards (customers) with a fraud in the training period,
  and, for test day i (0..6), those with a fraud on day ``train_start + 7 + i - 1``
  (the last training day, then the delay days: outcomes at least 8 days old);
* metrics (:mod:`evaluation`) on the test set, and per fraud scenario s on the genuine
  test transactions plus the frauds of scenario s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from openteller.risk.evaluation import Metrics, evaluate
from openteller.risk.features import BASELINE_FEATURES, FEATURES
from openteller.risk.model import RiskModel
from openteller.risk.records import DAY, RiskError, RiskTransaction, to_micros
from openteller.risk.scorer import replay_features

TRAIN_START = date(2018, 7, 25)
PERIOD_DAYS = 7


@dataclass(frozen=True)
class Result:
    name: str
    overall: Metrics
    per_scenario: dict[int, Metrics]


@dataclass
class Report:
    train_start: date
    train_rows: int
    train_frauds: int
    test_rows: int
    test_frauds: int
    removed_rows: int
    results: list[Result] = field(default_factory=list)


def split(
    days: NDArray[np.int64], cards: NDArray[np.int64], fraud: NDArray[np.int8], first: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Row indices of the training set and of the test set (see the module docstring)."""
    train = np.flatnonzero((days >= first) & (days < first + PERIOD_DAYS))
    known = set(cards[train][fraud[train] == 1].tolist())
    test = []
    for i in range(PERIOD_DAYS):
        recent = (days == first + PERIOD_DAYS + i - 1) & (fraud == 1)
        known.update(cards[recent].tolist())
        rows = np.flatnonzero(days == first + 2 * PERIOD_DAYS + i)
        test.append(rows[~np.isin(cards[rows], np.array(sorted(known), dtype=np.int64))])
    return train, np.concatenate(test)


def run(
    transactions: Sequence[RiskTransaction],
    scenarios: NDArray[np.int8] | None,
    train_start: date = TRAIN_START,
    seed: int = 0,
    book_models: bool = False,
    matrix: NDArray[np.float64] | None = None,
) -> Report:
    """Run the protocol on time-ordered, fully labelled ``transactions``."""
    if any(tx.fraud is None for tx in transactions):
        raise RiskError("the protocol needs every transaction's outcome (TX_FRAUD)")
    matrix = replay_features(transactions) if matrix is None else matrix
    micros = np.array([to_micros(tx.when) for tx in transactions], dtype=np.int64)
    origin = to_micros(datetime.combine(train_start, datetime.min.time()))
    days = (micros - origin) // DAY
    codes: dict[str, int] = {}
    cards = np.array([codes.setdefault(tx.customer_id, len(codes)) for tx in transactions])
    fraud = np.array([tx.fraud for tx in transactions], dtype=np.int8)
    train, test = split(days, cards, fraud, 0)
    if not len(train) or not len(test) or len(np.unique(fraud[train])) < 2:
        end = train_start + timedelta(days=3 * PERIOD_DAYS - 1)
        raise RiskError(
            f"the data must cover {train_start}..{end} with frauds and genuine transactions "
            "in the training week"
        )
    all_test_days = (days >= 2 * PERIOD_DAYS) & (days < 3 * PERIOD_DAYS)
    report = Report(
        train_start,
        len(train),
        int(fraud[train].sum()),
        len(test),
        int(fraud[test].sum()),
        int(all_test_days.sum()) - len(test),
    )
    variants: list[tuple[str, list[int], Any]] = [
        ("gradient boosting, all features", list(range(len(FEATURES))), None),
        ("gradient boosting, book features", list(range(len(BASELINE_FEATURES))), None),
    ]
    if book_models:
        variants += _book_models(seed)
    for name, columns, estimator in variants:
        x_train, x_test = matrix[train][:, columns], matrix[test][:, columns]
        if estimator is None:
            names = [FEATURES[c] for c in columns]
            model = RiskModel.train(x_train, fraud[train], seed=seed, features=names)
            scores = model.score_many(x_test)
        else:
            estimator.fit(x_train, fraud[train])
            scores = estimator.predict_proba(x_test)[:, 1]
        report.results.append(
            _result(name, days[test], cards[test], fraud[test], scores, _scenarios(scenarios, test))
        )
    return report


def _scenarios(
    scenarios: NDArray[np.int8] | None, rows: NDArray[np.int64]
) -> NDArray[np.int8] | None:
    return None if scenarios is None else scenarios[rows]


def _result(
    name: str,
    days: NDArray[np.int64],
    cards: NDArray[np.int64],
    fraud: NDArray[np.int8],
    scores: NDArray[np.float64],
    scenarios: NDArray[np.int8] | None,
) -> Result:
    per: dict[int, Metrics] = {}
    if scenarios is not None:
        for scenario in sorted(set(scenarios.tolist()) - {0}):
            keep = np.isin(scenarios, [0, scenario])
            per[scenario] = evaluate(days[keep], cards[keep], fraud[keep], scores[keep])
    return Result(name, evaluate(days, cards, fraud, scores), per)


def _book_models(seed: int) -> list[tuple[str, list[int], Any]]:
    """The handbook's logistic regression and random forest on its features."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    columns = list(range(len(BASELINE_FEATURES)))
    return [
        (
            "book: logistic regression",
            columns,
            make_pipeline(StandardScaler(), LogisticRegression(random_state=seed)),
        ),
        ("book: random forest", columns, RandomForestClassifier(random_state=seed, n_jobs=-1)),
    ]
