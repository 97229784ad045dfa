"""The tree arrays predict what scikit-learn predicts, survive a save and load without
pickle, and a replay scores exactly as per-transaction scoring does."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from openteller.domain.errors import OpenTellerError
from openteller.risk.model import RiskModel
from openteller.risk.records import RiskTransaction
from openteller.risk.scorer import RiskScorer, replay_features


def test_the_arrays_predict_what_scikit_learn_predicts() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 3))
    x[rng.random(3000) < 0.1, 1] = np.nan
    y = (x[:, 0] + np.nan_to_num(x[:, 1], nan=2.0) + rng.normal(size=3000) > 1).astype(int)
    estimator = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(x, y)
    model = RiskModel.from_sklearn(estimator, ["A", "B", "C"], {})
    expected = estimator.predict_proba(x)[:, 1]
    np.testing.assert_allclose(model.score_many(x), expected, rtol=1e-12)
    np.testing.assert_allclose(
        [model.score_one(row) for row in x[:200]], expected[:200], rtol=1e-12
    )
    assert expected.min() < 0.1 < 0.9 < expected.max()


def test_an_ensemble_averages_its_members_raw_scores() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2000, 3))
    y = x[:, 0] + rng.normal(size=2000) > 1
    params = {"max_iter": 20, "max_features": 0.5}
    members = [
        RiskModel.train(x, y, seed=s, params=params, features=["A", "B", "C"]) for s in (3, 4)
    ]
    both = RiskModel.train(x, y, seed=3, params={**params, "ensemble": 2}, features=["A", "B", "C"])
    assert len(both.roots) == 40

    def logit(p: np.ndarray) -> np.ndarray:
        return np.log(p / (1 - p))

    mean = (logit(members[0].score_many(x)) + logit(members[1].score_many(x))) / 2
    np.testing.assert_allclose(logit(both.score_many(x)), mean, rtol=1e-9, atol=1e-12)
    assert not np.allclose(members[0].score_many(x), members[1].score_many(x))
    assert both.score_one(x[7]) == pytest.approx(float(both.score_many(x[7:8])[0]), rel=1e-12)


def test_save_and_load_keep_every_score(
    small_model: RiskModel, small_transactions: list[RiskTransaction], tmp_path: Path
) -> None:
    path = tmp_path / "model.npz"
    small_model.save(path)
    loaded = RiskModel.load(path)
    matrix = replay_features(small_transactions)
    np.testing.assert_array_equal(loaded.score_many(matrix), small_model.score_many(matrix))
    assert loaded.amount_floor == small_model.amount_floor
    assert list(tmp_path.iterdir()) == [path]


def test_loading_refuses_other_files(tmp_path: Path) -> None:
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, meta=np.array([{"format": "x"}], dtype=object))
    for path in (pickled, tmp_path / "missing.npz"):
        with pytest.raises(OpenTellerError, match=path.name):
            RiskModel.load(path)


def test_the_model_separates_fraud(
    small_model: RiskModel, small_transactions: list[RiskTransaction]
) -> None:
    from sklearn.metrics import roc_auc_score

    scores = small_model.score_many(replay_features(small_transactions))
    labels = [bool(tx.fraud) for tx in small_transactions]
    assert roc_auc_score(labels, scores) > 0.85


def test_replay_scores_as_per_transaction_scoring_does(
    small_model: RiskModel, small_transactions: list[RiskTransaction]
) -> None:
    times = Counter(tx.when for tx in small_transactions[:4000])
    in_order = [tx for tx in small_transactions[:4000] if times[tx.when] == 1]  # no ties
    shuffled = [in_order[i] for i in np.random.default_rng(0).permutation(len(in_order))]
    replayed = RiskScorer(small_model).replay(shuffled)
    assert [tx_id for tx_id, _ in replayed] == [tx.transaction_id for tx in in_order]
    one_by_one = RiskScorer(small_model)
    singles = []
    for tx in in_order:
        singles.append((tx.transaction_id, one_by_one.score(tx)))
        if tx.fraud is not None:
            one_by_one.record_label(tx, tx.fraud, tx.when)
    np.testing.assert_allclose([s for _, s in replayed], [s for _, s in singles], rtol=1e-12)
    assert len({round(s, 6) for _, s in singles}) > 100


def test_a_recent_label_does_not_change_a_score(
    small_model: RiskModel, small_transactions: list[RiskTransaction]
) -> None:
    history = list(small_transactions[:3000])
    fraud = next(tx for tx in reversed(history) if tx.fraud)
    told, untold = RiskScorer(small_model), RiskScorer(small_model)
    for tx in history:
        told.score(tx)
        untold.score(tx)
    told.record_label(fraud, True, fraud.when)
    terminal = fraud.terminal_id
    young = RiskTransaction("a", fraud.when + timedelta(days=6, hours=23), "x", terminal, 40.0)
    assert told.score(young) == untold.score(young)
    old = RiskTransaction("b", fraud.when + timedelta(days=7, hours=1), "y", terminal, 40.0)
    assert told.score(old) != untold.score(old)  # the same label, now 7 days old
