"""Erasure by crypto-shredding, safe against a crash at any point.

Three steps, each durable before the next:

1. the customer is marked as being erased (with an audit entry): from here on no read
   sees them and no ingest adds to them;
2. their data key is deleted from the key store: every ciphertext of theirs, in the live
   database and in any backup of it, is now unreadable;
3. their rows are deleted, with the audit entry that closes the erasure.

A process killed after step 1 leaves a customer who is already erased as far as anyone
can see; :meth:`ErasureService.resume` (run by ``openteller erase`` and ``openteller
init``) finishes steps 2 and 3. Killed before step 1 commits, the customer is intact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from openteller.privacy.access import UnknownCustomer
from openteller.store.audit_log import AuditLog
from openteller.store.repository import LedgerStore

StepHook = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ErasureReport:
    customer_ref: str
    key_shredded: bool
    blocks_deleted: int


class ErasureService:
    def __init__(self, engine: Engine, store: LedgerStore, audit: AuditLog) -> None:
        self._engine = engine
        self._store = store
        self._audit = audit

    def erase(
        self, external_id: str, *, actor: str = "bank", on_step: StepHook | None = None
    ) -> ErasureReport:
        """Erase everything held about the customer; raises UnknownCustomer if none."""
        with self._engine.begin() as conn:
            customer_id = self._store.request_erasure(conn, external_id)
            if customer_id is None:
                raise UnknownCustomer(
                    f"no customer {external_id!r} at bank {self._store.bank_id!r}: nothing to erase"
                )
            self._audit.append(
                conn, actor=actor, action="erase_requested", customer_ref=customer_id
            )
            if on_step is not None:
                on_step("marking")  # written, not yet committed
        if on_step is not None:
            on_step("requested")
        return self._finish(customer_id, actor, on_step)

    def resume(self, *, actor: str = "bank") -> list[ErasureReport]:
        """Finish erasures a crashed process left half-way."""
        with self._engine.connect() as conn:
            pending = self._store.pending_erasures(conn)
        return [self._finish(customer_id, actor, None) for customer_id in pending]

    def _finish(self, customer_id: str, actor: str, on_step: StepHook | None) -> ErasureReport:
        shredded = self._store.shred_key(customer_id)
        if on_step is not None:
            on_step("key_shredded")
        with self._engine.begin() as conn:
            blocks = self._store.delete_customer_rows(conn, customer_id)
            self._audit.append(
                conn,
                actor=actor,
                action="erase",
                customer_ref=customer_id,
                outcome="done",
                detail={"key_shredded": shredded, "ledger_blocks_deleted": blocks},
            )
        if on_step is not None:
            on_step("rows_deleted")
        return ErasureReport(customer_id, shredded, blocks)
