"""What the running demo shows by itself: a suspicious card payment, a minute in.

The demo trains a small risk model on the fraud handbook's simulator when it builds the
bank; once the server runs, it posts (signed, like a bank would) alice's card payment of
2,480.00 USD at an electronics shop she never uses to the real-time feed. The built-in
risk scoring finds it unusual, the fraud alert reaches alice's open web chat live, and
"No, freeze my card" freezes her demo card.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
from pydantic import SecretStr

from openteller.risk.model import RiskModel
from openteller.risk.scorer import replay_features
from openteller.risk.simulator import simulate
from openteller.services.bank_signing import signed_headers
from openteller.settings import Settings

DEMO_KEY_ID = "demo-bank"
MODEL_FILE = "risk-model.npz"


def train_demo_model(directory: Path) -> Path:
    """A small model (a few seconds): enough to tell a 2,480 USD surprise from coffee."""
    transactions = list(
        simulate(n_customers=200, n_terminals=400, n_days=60, seed=1).transactions()
    )
    labels = np.array([bool(tx.fraud) for tx in transactions])
    model = RiskModel.train(
        replay_features(transactions), labels, seed=0, params={"max_iter": 60, "learning_rate": 0.2}
    )
    path = directory / MODEL_FILE
    model.save(path)
    return path


def live_settings(settings: Settings, port: int) -> Settings:
    """The demo server's settings: its own bank API key, the web chat on, the model."""
    directory = Path(str(settings.master_key_file)).parent
    return settings.model_copy(
        update={
            "public_base_url": f"http://127.0.0.1:{port}",
            "bank_api_keys": SecretStr(f"{DEMO_KEY_ID}:{secrets.token_urlsafe(24)}"),
            "demo_login_password": SecretStr(secrets.token_urlsafe(12)),
            "risk_model": directory / MODEL_FILE,
        }
    )


def suspicious_payment(customer: str, card_number: str) -> dict[str, object]:
    return {
        "customer": customer,
        "account": {
            "id": card_number,
            "type": "credit_card",
            "currency": "USD",
            "number": card_number,
        },
        "transactions": [
            {
                "id": f"DEMO-{uuid.uuid4().hex[:10]}",
                "time": datetime.now(UTC).replace(microsecond=0).isoformat(),
                "amount": "-2480.00",
                "merchant": "VOLTMAX ELECTRONICS ONLINE",
                "mcc": "5732",
                "terminal": "VOLTMAX-WEB-01",
            }
        ],
    }


def post_later(
    settings: Settings, customer: str, card_number: str, delay: float
) -> threading.Thread:
    """After ``delay`` seconds, post the suspicious payment to the server's feed."""
    assert settings.bank_api_keys is not None
    key_id, _, secret = settings.bank_api_keys.get_secret_value().partition(":")
    url = f"{settings.public_base_url}/bank/v1/transactions"

    def post() -> None:
        time.sleep(delay)
        raw = json.dumps(suspicious_payment(customer, card_number)).encode()
        for _attempt in range(30):  # the server may still be starting
            try:
                response = httpx.post(
                    url,
                    content=raw,
                    headers=signed_headers(key_id, secret.encode(), raw, uuid.uuid4().hex),
                    timeout=30,
                )
                if response.status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)

    thread = threading.Thread(target=post, name="demo-suspicious-payment", daemon=True)
    thread.start()
    return thread
