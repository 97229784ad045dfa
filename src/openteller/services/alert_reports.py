"""Callbacks to the bank about its alerts: each answer reported, each alert left
unanswered past the escalation delay handed back (for an SMS or a call). Signed POSTs,
retried on the worker's next round until the bank acknowledges them (2xx)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, and_, select, update

from openteller.services.bank_signing import signed_headers
from openteller.store import schema
from openteller.store.audit_log import AuditLog
from openteller.store.timestamps import as_utc


class AlertReports:
    """Tells the bank what became of its alerts (nothing to do without a callback URL
    and a key to sign with)."""

    def __init__(
        self,
        engine: Engine,
        bank_id: str,
        audit: AuditLog,
        *,
        keys: dict[str, bytes],
        callback_url: str | None,
        escalate_after: timedelta = timedelta(minutes=15),
        http: httpx.Client | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._bank_id = bank_id
        self._audit = audit
        self._keys = keys
        self._callback_url = callback_url
        self._escalate_after = escalate_after
        self._http = http
        self._clock = clock

    def report_answers(self, limit: int = 20) -> int:
        """Report answered alerts to the bank (signed POST); an alert stays to report until
        the bank answers 2xx, so a failure is retried on the next run. Returns how many
        were acknowledged."""
        if not self._callback_url or not self._keys:
            return 0
        table = schema.fraud_alerts
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(table.c.alert_id, table.c.status, table.c.answered_at)
                .where(
                    and_(
                        table.c.bank_id == self._bank_id,
                        table.c.answered_at.is_not(None),
                        table.c.reported_at.is_(None),
                    )
                )
                .limit(limit)
            ).all()
        done = 0
        for row in rows:
            if not self._post_to_bank(_report_body(row), f"answer:{row.alert_id}"):
                continue
            with self._engine.begin() as conn:
                conn.execute(
                    update(table)
                    .where(and_(table.c.bank_id == self._bank_id, table.c.alert_id == row.alert_id))
                    .values(reported_at=self._clock())
                )
            done += 1
        return done

    def escalate_unanswered(self, limit: int = 20) -> int:
        """Tell the bank about alerts still unanswered after the escalation delay (so it
        can send an SMS or call), once each (retried until acknowledged)."""
        if not self._callback_url or not self._keys:
            return 0
        table = schema.fraud_alerts
        now = self._clock()
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(table.c.alert_id, table.c.customer_id, table.c.created_at)
                .where(
                    and_(
                        table.c.bank_id == self._bank_id,
                        table.c.status == "delivered",
                        table.c.escalated_at.is_(None),
                        table.c.expires_at > now,
                        table.c.created_at <= now - self._escalate_after,
                    )
                )
                .limit(limit)
            ).all()
        done = 0
        for row in rows:
            body = json.dumps(
                {
                    "alert_id": row.alert_id,
                    "answer": "no_answer",
                    "delivered_at": as_utc(row.created_at).isoformat(),
                },
                separators=(",", ":"),
            ).encode()
            if not self._post_to_bank(body, f"escalation:{row.alert_id}"):
                continue
            with self._engine.begin() as conn:
                conn.execute(
                    update(table)
                    .where(and_(table.c.bank_id == self._bank_id, table.c.alert_id == row.alert_id))
                    .values(escalated_at=now)
                )
                self._audit.append(
                    conn,
                    actor="openteller",
                    action="fraud_alert_escalated",
                    customer_ref=str(row.customer_id),
                    detail={"alert": row.alert_id},
                )
            done += 1
        return done

    def _post_to_bank(self, raw: bytes, idempotency_key: str) -> bool:
        """A signed POST to the bank's callback; True when the bank answered 2xx."""
        assert self._callback_url
        key_id, secret = next(iter(self._keys.items()))
        http = self._http or httpx.Client(timeout=5.0)
        try:
            response = http.post(
                self._callback_url,
                content=raw,
                headers=signed_headers(key_id, secret, raw, idempotency_key),
            )
        except httpx.HTTPError:
            return False
        return response.is_success


def _report_body(row: Any) -> bytes:
    return json.dumps(
        {
            "alert_id": row.alert_id,
            "answer": row.status,
            "answered_at": as_utc(row.answered_at).isoformat(),
        },
        separators=(",", ":"),
    ).encode()
