"""Conversation context in the database, encrypted under the customer's key."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, insert, select, update

from openteller.services.customers import require_customer
from openteller.store import schema
from openteller.store.repository import LedgerStore

#: Context older than this is forgotten: a new question starts afresh.
LIFETIME = timedelta(minutes=30)


class ConversationStore:
    def __init__(self, engine: Engine, store: LedgerStore) -> None:
        self._engine = engine
        self._store = store

    def _where(self, channel: str, subject: str) -> Any:
        table = schema.conversations
        return and_(
            table.c.bank_id == self._store.bank_id,
            table.c.channel == channel,
            table.c.subject == subject,
        )

    def get(self, customer: str, channel: str, subject: str) -> dict[str, Any] | None:
        table = schema.conversations
        with self._engine.connect() as conn:
            handle = require_customer(self._store, conn, customer)
            row = conn.execute(
                select(table.c.customer_id, table.c.payload, table.c.updated_at).where(
                    self._where(channel, subject)
                )
            ).first()
        if row is None or row.customer_id != handle.id:
            return None
        updated = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=UTC)
        if datetime.now(UTC) - updated > LIFETIME:
            return None
        context = f"conversation:{channel}:{subject}"
        data = json.loads(handle.cipher.decrypt(row.payload, context))
        return data if isinstance(data, dict) else None

    def put(
        self,
        customer: str,
        channel: str,
        subject: str,
        data: dict[str, Any],
        conn: Connection | None = None,
    ) -> None:
        """Remember ``data`` (in ``conn``'s transaction if given, else in one of its own)."""
        table = schema.conversations
        now = datetime.now(UTC)
        with self._engine.begin() if conn is None else contextlib.nullcontext(conn) as conn:
            handle = require_customer(self._store, conn, customer)
            payload = handle.cipher.encrypt(
                json.dumps(data).encode(), f"conversation:{channel}:{subject}"
            )
            changed = conn.execute(
                update(table)
                .where(self._where(channel, subject))
                .values(customer_id=handle.id, payload=payload, updated_at=now)
            )
            if not changed.rowcount:
                conn.execute(
                    insert(table).values(
                        bank_id=self._store.bank_id,
                        channel=channel,
                        subject=subject,
                        customer_id=handle.id,
                        payload=payload,
                        updated_at=now,
                    )
                )

    def forget(self, channel: str, subject: str, conn: Connection | None = None) -> None:
        with self._engine.begin() if conn is None else contextlib.nullcontext(conn) as conn:
            conn.execute(delete(schema.conversations).where(self._where(channel, subject)))
