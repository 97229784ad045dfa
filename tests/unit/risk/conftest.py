"""A small simulated bank shared by the risk tests (built once per session)."""

from __future__ import annotations

import numpy as np
import pytest

from openteller.risk.model import RiskModel
from openteller.risk.records import RiskTransaction
from openteller.risk.scorer import replay_features
from openteller.risk.simulator import Simulation, simulate

SMALL_PARAMS = {"max_iter": 40, "learning_rate": 0.2}


@pytest.fixture(scope="session")
def small_simulation() -> Simulation:
    return simulate(n_customers=120, n_terminals=240, n_days=50, seed=7)


@pytest.fixture(scope="session")
def small_transactions(small_simulation: Simulation) -> list[RiskTransaction]:
    return list(small_simulation.transactions())


@pytest.fixture(scope="session")
def small_model(small_transactions: list[RiskTransaction]) -> RiskModel:
    matrix = replay_features(small_transactions)
    labels = np.array([bool(tx.fraud) for tx in small_transactions])
    return RiskModel.train(matrix, labels, seed=0, params=SMALL_PARAMS)
