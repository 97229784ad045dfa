"""Messages for the bank's own web chat that the customer did not ask for just now.

Fraud alerts and insights for a customer are kept here (encrypted under the customer's
key, one row per notice id, so posting the same notice twice keeps one) until the
customer's signed-in browser has received them: pushed live over server-sent events, or
shown when the chat next opens. Every process reads the same table, so the process that
holds the customer's event stream delivers, whichever process took the alert in.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, select, update

from openteller.store import schema
from openteller.store.insert_once import insert_once
from openteller.store.repository import LedgerStore


@dataclass(frozen=True, slots=True)
class Notice:
    id: str
    message: dict[str, Any]  # text, quick_replies [{title, payload}] (payloads unsealed)
    created_at: datetime


class WebNotices:
    def __init__(
        self,
        engine: Engine,
        store: LedgerStore,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._store = store
        self._clock = clock

    def post(
        self,
        customer: str,
        notice_id: str,
        message: dict[str, Any],
        conn: Connection | None = None,
    ) -> bool:
        """Keep a notice for the customer's web chat (in ``conn``'s transaction when given);
        False when it was posted before."""
        with self._engine.begin() if conn is None else contextlib.nullcontext(conn) as conn:
            handle = self._store.find_customer(conn, customer)
            if handle is None:
                return False
            payload = handle.cipher.encrypt(json.dumps(message).encode(), f"notice:{notice_id}")
            if not insert_once(
                conn,
                schema.web_notices,
                {
                    "bank_id": self._store.bank_id,
                    "id": notice_id[:64],
                    "customer_id": handle.id,
                    "payload": payload,
                    "created_at": self._clock(),
                    "delivered_at": None,
                },
            ):
                return False
        return True

    def pending(self, customer: str, limit: int = 20) -> list[Notice]:
        """The customer's notices not yet received by their browser, oldest first."""
        table = schema.web_notices
        with self._engine.connect() as conn:
            handle = self._store.find_customer(conn, customer)
            if handle is None:
                return []
            rows = conn.execute(
                select(table.c.id, table.c.payload, table.c.created_at)
                .where(
                    and_(
                        table.c.bank_id == self._store.bank_id,
                        table.c.customer_id == handle.id,
                        table.c.delivered_at.is_(None),
                    )
                )
                .order_by(table.c.created_at)
                .limit(limit)
            ).all()
            return [
                Notice(
                    row.id,
                    json.loads(handle.cipher.decrypt(row.payload, f"notice:{row.id}")),
                    row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC),
                )
                for row in rows
            ]

    def delivered(self, customer: str, notice_id: str) -> bool:
        """Mark a notice received; False when another stream marked it first."""
        table = schema.web_notices
        with self._engine.begin() as conn:
            handle = self._store.find_customer(conn, customer)
            if handle is None:
                return False
            done = conn.execute(
                update(table)
                .where(
                    and_(
                        table.c.bank_id == self._store.bank_id,
                        table.c.customer_id == handle.id,
                        table.c.id == notice_id,
                        table.c.delivered_at.is_(None),
                    )
                )
                .values(delivered_at=self._clock())
            )
        return done.rowcount == 1
