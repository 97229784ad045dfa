"""The built-in risk model on the bank's feed: a payment it finds unusual raises a fraud
alert through the bank-alert path; the customer's answer becomes the label it learns.

Real uvicorn server; a small model trained on the handbook's simulator.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from openteller.bootstrap import App
from openteller.risk.model import RiskModel
from openteller.risk.scorer import replay_features
from openteller.risk.simulator import simulate
from openteller.services.risk_monitor import alert_id_for
from tests.integration.channels.test_bank_feed import card_feed, feed
from tests.integration.channels.test_fraud_alerts import (  # noqa: F401 - fixtures
    bank,
    callbacks,
)
from tests.integration.channels.test_messenger_webhook import (  # noqa: F401 - fixtures
    graph,
    server,
)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    transactions = list(
        simulate(n_customers=120, n_terminals=240, n_days=50, seed=7).transactions()
    )
    labels = np.array([bool(tx.fraud) for tx in transactions])
    model = RiskModel.train(
        replay_features(transactions), labels, seed=0, params={"max_iter": 40, "learning_rate": 0.2}
    )
    path = tmp_path_factory.mktemp("risk") / "model.npz"
    model.save(path)
    return path


def payment(tx_id: str, amount: str) -> dict[str, str]:
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    return {
        "id": tx_id,
        "time": now,
        "amount": amount,
        "merchant": "GADGETS R US",
        "terminal": "T-77",
    }


def test_an_unusual_fed_payment_raises_an_alert_and_the_answer_teaches(
    bank: tuple[str, App],  # noqa: F811
    model_file: Path,
) -> None:
    url, app = bank
    app.settings.risk_model = model_file
    app.settings.risk_threshold = 0.8
    usual = feed(url, "transactions", card_feed(payment("P-1", "-12.40")))
    assert usual.status_code == 202, usual.text
    assert app.web_notices.pending("carol") == []  # an ordinary payment: no alert
    unusual = feed(url, "transactions", card_feed(payment("P-2", "-2480.00")))
    assert unusual.status_code == 202, unusual.text
    (notice,) = app.web_notices.pending("carol")
    assert "was this you?" in notice.message["text"]
    assert "2480.00 USD at GADGETS R US on your card ending 6877" in notice.message["text"]
    alert_id = alert_id_for("carol", "P-2")
    life = app.alerts.status(alert_id)
    assert life["status"] == "delivered"
    assert "P-2" not in alert_id  # the bank's transaction id stays out of the alert id
    reply = app.alerts.answer("carol", alert_id, False, channel="bank_web")
    assert "fraud team" in reply
    assert app.alerts.status(alert_id)["status"] == "denied"
    assert app.risk_monitor.labels_fed == 1  # "No": a fraud, known from now on
    audit = [r.action for r in app.audit.records()]
    assert "fraud_alert_received" in audit and "fraud_alert_answered" in audit
