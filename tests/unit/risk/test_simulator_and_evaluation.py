"""The simulator's scenarios on a small run; the metrics and the protocol's split on
hand-built examples."""

from __future__ import annotations

import numpy as np
import pytest

from openteller.risk.evaluation import card_precision_top_k, evaluate
from openteller.risk.protocol import split
from openteller.risk.simulator import SECONDS_PER_DAY, Simulation, simulate


def test_the_scenarios_have_their_published_shape(small_simulation: Simulation) -> None:
    sim = small_simulation
    assert np.all(np.diff(sim.seconds) >= 0)
    assert np.all(sim.seconds % SECONDS_PER_DAY > 0)
    assert set(np.unique(sim.scenario).tolist()) == {0, 1, 2, 3}
    assert np.array_equal(sim.fraud == 1, sim.scenario > 0)
    assert np.all(sim.fraud[sim.amount > 220] == 1)  # scenario 1, or overridden by 2 or 3
    assert np.all(sim.amount[sim.scenario == 1] > 220)
    # scenario 2: each compromised terminal's frauds span at most 28 days
    for terminal in np.unique(sim.terminal[sim.scenario == 2]):
        days = sim.days[(sim.terminal == terminal) & (sim.scenario == 2)]
        assert days.max() - days.min() < 28 + 27  # overlapping compromises at most
    # scenario 3: amounts five times the card's usual ones
    genuine_mean = {
        c: sim.amount[(sim.customer == c) & (sim.fraud == 0)].mean()
        for c in np.unique(sim.customer[sim.scenario == 3])
    }
    ratios = [
        sim.amount[i] / genuine_mean[sim.customer[i]] for i in np.flatnonzero(sim.scenario == 3)
    ]
    assert 3.5 < float(np.median(ratios)) < 6.5
    # each card uses only the few terminals within radius 5 of it
    per_card = [len(np.unique(sim.terminal[sim.customer == c])) for c in np.unique(sim.customer)]
    assert max(per_card) < 20


def test_the_seed_fixes_the_data() -> None:
    one, again = simulate(40, 80, 15, seed=5), simulate(40, 80, 15, seed=5)
    other = simulate(40, 80, 15, seed=6)
    assert np.array_equal(one.amount, again.amount) and np.array_equal(one.fraud, again.fraud)
    assert len(one) != len(other) or not np.array_equal(one.amount, other.amount)


def test_auc_and_average_precision_come_from_scikit_learn() -> None:
    metrics = evaluate(
        np.zeros(4, dtype=np.int64),
        np.arange(4),
        np.array([0, 0, 1, 1], dtype=np.int8),
        np.array([0.1, 0.4, 0.35, 0.8]),
        k=2,
    )
    assert metrics.auc_roc == pytest.approx(0.75)
    assert metrics.average_precision == pytest.approx((1 + 2 / 3) / 2)
    assert metrics.card_precision == pytest.approx(0.5)  # cards 3 (fraud) and 1 (genuine)


def test_card_precision_groups_by_card_and_drops_cards_found_earlier() -> None:
    # day 0: A fraud .9 (and .2), B genuine .8, C fraud .1 -> top 2 = A, B: 1/2; A found
    # day 1: A fraud .95 (set aside), C fraud .7, B genuine .6, D genuine .5 -> C, B: 1/2
    # day 2: C genuine .9, D genuine .3 -> 0/2
    days = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2])
    cards = np.array([1, 1, 2, 3, 1, 3, 2, 4, 3, 4])
    fraud = np.array([1, 0, 0, 1, 1, 1, 0, 0, 0, 0], dtype=np.int8)
    scores = np.array([0.9, 0.2, 0.8, 0.1, 0.95, 0.7, 0.6, 0.5, 0.9, 0.3])
    mean, daily = card_precision_top_k(days, cards, fraud, scores, k=2)
    assert daily == [0.5, 0.5, 0.0]
    assert mean == pytest.approx(1 / 3)


def test_the_split_removes_cards_known_to_be_compromised() -> None:
    # days 0-6 train, 7-13 delay, 14-20 test; card 1 fraud in training, card 2 fraud on
    # delay day 8 (known from test day 2 = day 16 on), card 3 never
    days = np.array([3, 8, 14, 14, 14, 15, 16, 16, 16, 22])
    cards = np.array([1, 2, 1, 2, 3, 2, 1, 2, 3, 3])
    fraud = np.array([1, 1, 0, 1, 0, 0, 0, 0, 1, 0], dtype=np.int8)
    train, test = split(days, cards, fraud, 0)
    assert train.tolist() == [0]
    assert test.tolist() == [3, 4, 5, 8]
