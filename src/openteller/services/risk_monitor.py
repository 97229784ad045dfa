"""The second line of defence: score each fed card payment, alert above a threshold.

For banks without a fraud engine (or beside one): every payment the bank's feed brings
(money out) is scored by the built-in model (:mod:`openteller.risk`) through the same
streaming state ``openteller risk score`` replays; a score at or above the threshold
raises a fraud alert through the same path as the bank's own alerts (consent, delivery,
"Was this you?", answer reported to the bank). The customer's answer is the label the
model's terminal and customer features learn from (after the handbook's 7-day delay).

The streaming state lives in this process: behind a load balancer, send a customer's
feed to one process (sticky routing by customer), or run the risk model in one process
only; see docs/risk.md.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from openteller.domain.fraud_alert import Alert
from openteller.ingest.bank_feed import FeedTransaction
from openteller.logs import get_logger
from openteller.risk.records import RiskTransaction
from openteller.risk.scorer import RiskScorer

PREFIX = "risk-"
log = get_logger("openteller.risk")


def alert_id_for(customer: str, transaction_id: str) -> str:
    digest = hashlib.blake2b(f"{customer}\x00{transaction_id}".encode(), digest_size=12)
    return PREFIX + digest.hexdigest()


class RiskMonitor:
    def __init__(
        self,
        scorer: RiskScorer,
        threshold: float,
        raise_alert: Callable[[Alert], Any],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._scorer = scorer
        self._threshold = threshold
        self._raise = raise_alert
        self._clock = clock
        self._lock = threading.Lock()  # one streaming state, many request threads
        self._scored: dict[str, RiskTransaction] = {}  # alert id -> its transaction
        self.labels_fed = 0  # answers fed back as labels

    def on_feed(self, customer: str, transactions: list[FeedTransaction]) -> list[str]:
        """Score the customer's new payments; returns the alert ids raised."""
        raised = []
        for fed in sorted(transactions, key=lambda t: t.when):
            if fed.amount >= 0:
                continue  # money in is not a card fraud
            tx = RiskTransaction(
                transaction_id=fed.bank_id,
                when=fed.when,
                customer_id=customer,
                terminal_id=fed.terminal,
                amount=float(-fed.amount),
            )
            with self._lock:
                score = self._scorer.score(tx)
            if score < self._threshold:
                continue
            alert_id = alert_id_for(customer, fed.bank_id)
            self._scored[alert_id] = tx
            last4 = fed.card_last4 if len(fed.card_last4) == 4 and fed.card_last4.isdigit() else ""
            alert = Alert(
                alert_id=alert_id,
                customer=customer,
                merchant=fed.merchant,
                amount=-fed.amount,
                currency=fed.currency,
                card_last4=last4,
                reason=f"unusual for this card (risk score {score:.2f})",
                expires_at=self._clock() + timedelta(hours=24),
            )
            try:
                self._raise(alert)
            except Exception as exc:  # no channel may carry it: audited by the alert path
                log.warning("risk_alert_not_delivered", error=type(exc).__name__)
                continue
            log.info("risk_alert", score=round(score, 3))
            raised.append(alert_id)
        return raised

    def on_answer(self, alert_id: str, was_me: bool) -> bool:
        """The customer's answer to a risk alert is the transaction's label; True when
        it was recorded (an alert of this process's scoring, answered once)."""
        tx = self._scored.pop(alert_id, None)
        if tx is None:
            return False
        with self._lock:
            recorded = self._scorer.record_label(tx, not was_me, self._clock())
        self.labels_fed += int(recorded)
        return recorded
