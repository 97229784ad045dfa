"""Streaming features equal a batch recomputation, labels count only once 7 days old,
and the state forgets what is past the horizon."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from openteller.risk.batch import batch_features
from openteller.risk.features import BASELINE_FEATURES, FEATURES
from openteller.risk.records import DAY, RiskTransaction, to_micros
from openteller.risk.scorer import replay_features
from openteller.risk.simulator import Simulation, simulate
from openteller.risk.streaming import StreamingFeatures

COLUMN = {name: i for i, name in enumerate(FEATURES)}


def assert_same(streamed: np.ndarray, batch: np.ndarray) -> None:
    for j, name in enumerate(FEATURES):
        np.testing.assert_allclose(streamed[:, j], batch[:, j], rtol=1e-9, atol=1e-9, err_msg=name)


def test_streaming_equals_batch_recomputation(small_transactions: list[RiskTransaction]) -> None:
    streamed = replay_features(small_transactions)
    batch = batch_features(small_transactions)
    assert streamed.shape == (len(small_transactions), len(FEATURES))
    assert_same(streamed, batch)
    # not vacuous: every feature varies, and the delayed labels do show up
    for j, name in enumerate(FEATURES):
        column = streamed[:, j][~np.isnan(streamed[:, j])]
        assert len(np.unique(column)) > 1, name
    assert (streamed[:, COLUMN["TERMINAL_ID_RISK_7DAY_WINDOW"]] > 0).sum() > 100
    assert (streamed[:, COLUMN["CUSTOMER_NB_KNOWN_FRAUD_30DAY"]] > 0).sum() > 100


def test_late_labels_count_from_when_they_are_known(
    small_transactions: list[RiskTransaction],
) -> None:
    """Labels recorded 7-12 days after the transaction, or never: same in both."""
    rng = np.random.default_rng(1)
    lateness = rng.integers(7, 13, len(small_transactions)) * DAY
    known_at: list[int | None] = []
    state = StreamingFeatures()
    rows = []
    for tx, late in zip(small_transactions, lateness, strict=True):
        rows.append(state.features_for(tx))
        if rng.random() < 0.2:  # outcome never learned
            known_at.append(None)
            continue
        moment = tx.when + timedelta(microseconds=int(late))
        state.record_label(tx, bool(tx.fraud), moment)
        known_at.append(to_micros(moment))
    unknown = [
        tx if at is not None else replace(tx, fraud=None)
        for tx, at in zip(small_transactions, known_at, strict=True)
    ]
    batch = batch_features(unknown, known_at)
    assert_same(np.array(rows), batch)
    on_time = replay_features(small_transactions)
    risk = COLUMN["TERMINAL_ID_RISK_30DAY_WINDOW"]
    assert not np.allclose(np.array(rows)[:, risk], on_time[:, risk])


def _tx(number: int, when: datetime, terminal: str = "T1", amount: float = 30.0) -> RiskTransaction:
    return RiskTransaction(str(number), when, f"C{number}", terminal, amount)


def test_a_label_younger_than_seven_days_changes_nothing() -> None:
    start = datetime(2018, 4, 1, 12)
    labelled, unlabelled = StreamingFeatures(), StreamingFeatures()
    first = _tx(1, start)
    for state in (labelled, unlabelled):
        state.features_for(first)
    assert labelled.record_label(first, True, start)
    for hours, changed in ((1, False), (24 * 6, False), (24 * 7 - 1, False), (24 * 7 + 1, True)):
        tx = _tx(hours + 10, start + timedelta(hours=hours))
        with_label, without = labelled.features_for(tx), unlabelled.features_for(tx)
        assert (with_label != without) is changed, hours
    # (t - 8 days, t - 7 days] holds the labelled transaction and the one an hour later
    assert with_label[COLUMN["TERMINAL_ID_NB_TX_1DAY_WINDOW"]] == 2.0
    assert with_label[COLUMN["TERMINAL_ID_RISK_1DAY_WINDOW"]] == 0.5
    assert without[COLUMN["TERMINAL_ID_RISK_1DAY_WINDOW"]] == 0.0
    first = COLUMN["TERMINAL_DAYS_SINCE_FIRST_KNOWN_FRAUD"]
    assert abs(with_label[first] - (7 + 1 / 24)) < 1e-12
    assert np.isnan(without[first])


def test_a_label_known_late_counts_from_when_it_is_known() -> None:
    start = datetime(2018, 4, 1, 12)
    state = StreamingFeatures()
    first = _tx(1, start)
    state.features_for(first)
    state.record_label(first, True, start + timedelta(days=9))
    risk = COLUMN["TERMINAL_ID_RISK_7DAY_WINDOW"]
    assert state.features_for(_tx(2, start + timedelta(days=8)))[risk] == 0.0
    assert state.features_for(_tx(3, start + timedelta(days=9)))[risk] == 1.0
    assert not state.record_label("unknown id", True, start)


def test_baseline_features_follow_the_handbook_windows() -> None:
    start = datetime(2018, 4, 7, 3)  # a Saturday, at night
    state = StreamingFeatures()
    amounts = [10.0, 20.0, 60.0]
    rows = [
        state.features_for(RiskTransaction(str(i), start + timedelta(days=3 * i), "C", "T", a))
        for i, a in enumerate(amounts)
    ]
    first, last = rows[0], rows[-1]
    assert first[: len(BASELINE_FEATURES)][:3] == [10.0, 1.0, 1.0]
    assert last[COLUMN["CUSTOMER_ID_NB_TX_1DAY_WINDOW"]] == 1.0
    assert last[COLUMN["CUSTOMER_ID_NB_TX_7DAY_WINDOW"]] == 3.0  # days 0, 3, 6 in (t-7, t]
    assert last[COLUMN["CUSTOMER_ID_AVG_AMOUNT_7DAY_WINDOW"]] == 30.0
    assert last[COLUMN["CUSTOMER_AMOUNT_RATIO_30DAY"]] == 60.0 / 15.0
    assert np.isnan(first[COLUMN["CUSTOMER_AMOUNT_RATIO_30DAY"]])
    assert last[COLUMN["TERMINAL_ID_NB_TX_30DAY_WINDOW"]] == 0.0  # nothing 7+ days old


def test_memory_is_bounded_by_the_horizon() -> None:
    simulation: Simulation = simulate(n_customers=60, n_terminals=120, n_days=120, seed=3)
    state = StreamingFeatures()
    for tx in simulation.transactions():
        state.features_for(tx)
        state.record_label(tx, bool(tx.fraud), tx.when)
    last_day = int(simulation.days[-1])
    recent = int((simulation.days >= last_day - 38).sum())
    assert 0 < len(state) <= recent < len(simulation) / 2
    horizon = to_micros(simulation.datetimes()[-1]) - 37 * DAY
    kept = [t for customer in state._customers.values() for t in customer.times]
    assert kept
    assert min(kept) > horizon
