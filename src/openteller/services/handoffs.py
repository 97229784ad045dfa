"""Questions handed to a person at the bank (``openteller handoffs list``).

The question is stored encrypted under the customer's key; listing it is a read of
customer data by the bank's staff, so it is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from openteller.services.customers import require_customer
from openteller.store import schema
from openteller.store.audit_log import AuditLog
from openteller.store.repository import LedgerStore


@dataclass(frozen=True, slots=True)
class Handoff:
    id: str
    customer: str
    channel: str
    intent: str
    question: str
    status: str
    created_at: datetime


class HandoffService:
    def __init__(self, engine: Engine, store: LedgerStore, audit: AuditLog) -> None:
        self._engine = engine
        self._store = store
        self._audit = audit

    def open(self, customer: str, *, channel: str, intent: str, question: str) -> str:
        handoff_id = uuid.uuid4().hex
        with self._engine.begin() as conn:
            handle = require_customer(self._store, conn, customer)
            conn.execute(
                insert(schema.handoffs).values(
                    id=handoff_id,
                    bank_id=self._store.bank_id,
                    customer_id=handle.id,
                    channel=channel,
                    intent=intent,
                    question=handle.cipher.encrypt(
                        question[:2000].encode(), f"handoff:{handoff_id}"
                    ),
                    status="open",
                    created_at=datetime.now(UTC),
                )
            )
            self._audit.append(
                conn,
                actor=channel,
                action="handoff_opened",
                customer_ref=handle.id,
                detail={"handoff": handoff_id, "intent": intent},
            )
        return handoff_id

    def list(
        self, *, status: str | None = "open", actor: str = "terminal:operator"
    ) -> list[Handoff]:
        table = schema.handoffs
        query = (
            select(table, schema.customers.c.external_id)
            .join(schema.customers, schema.customers.c.id == table.c.customer_id)
            .where(table.c.bank_id == self._store.bank_id)
        )
        if status:
            query = query.where(table.c.status == status)
        result: list[tuple[Handoff, str]] = []
        with self._engine.connect() as conn:
            for row in conn.execute(query.order_by(table.c.created_at)):
                handle = self._store.find_customer(conn, row.external_id)
                if handle is None:
                    continue
                question = handle.cipher.decrypt(row.question, f"handoff:{row.id}").decode()
                item = Handoff(
                    row.id,
                    row.external_id,
                    row.channel,
                    row.intent,
                    question,
                    row.status,
                    row.created_at,
                )
                result.append((item, handle.id))
        for item, customer_ref in result:
            self._audit.record(
                actor=actor,
                action="handoff_read",
                customer_ref=customer_ref,
                detail={"handoff": item.id},
            )
        return [item for item, _ref in result]

    def close(self, handoff_id: str, *, actor: str = "terminal:operator") -> bool:
        table = schema.handoffs
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(table)
                .where(table.c.id == handoff_id, table.c.bank_id == self._store.bank_id)
                .values(status="closed")
            )
            if changed.rowcount:
                self._audit.append(
                    conn,
                    actor=actor,
                    action="handoff_closed",
                    customer_ref="",
                    detail={"handoff": handoff_id},
                )
        return bool(changed.rowcount)
