"""A simulated bank core for card controls (the demo's and the tests' bank).

Cards are the customer's credit-card accounts and the debit cards of their checking
accounts; freezing records the state in ``card_controls`` and the audit log. A real
bank implements :class:`openteller.assistant.actions.BankActions` against its core.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from openteller.assistant.actions import Card
from openteller.domain.accounts import Account, AccountType
from openteller.services.customers import require_customer
from openteller.store import schema
from openteller.store.audit_log import AuditLog
from openteller.store.repository import LedgerStore

_CARD_TYPES = {AccountType.CREDIT_CARD, AccountType.CHECKING}


def card_accounts(engine: Engine, store: LedgerStore, customer: str) -> tuple[str, list[Account]]:
    """The customer's internal id and accounts that carry a card (credit or debit)."""
    with engine.connect() as conn:
        handle = require_customer(store, conn, customer)
        return handle.id, [a for a in store.list_accounts(conn, handle) if a.type in _CARD_TYPES]


class SimulatedBankCore:
    def __init__(self, engine: Engine, store: LedgerStore, audit: AuditLog) -> None:
        self._engine = engine
        self._store = store
        self._audit = audit

    def cards(self, customer: str) -> list[Card]:
        customer_id, accounts = card_accounts(self._engine, self._store, customer)
        with self._engine.connect() as conn:
            frozen = {
                r.account_id: bool(r.frozen)
                for r in conn.execute(
                    select(schema.card_controls).where(
                        schema.card_controls.c.customer_id == customer_id
                    )
                )
            }
        return [Card(a.id, card_label(a.type, a.mask), frozen.get(a.id, False)) for a in accounts]

    def set_frozen(self, customer: str, account_id: str, frozen: bool, *, actor: str) -> Card:
        table = schema.card_controls
        now = datetime.now(UTC)
        with self._engine.begin() as conn:
            handle = require_customer(self._store, conn, customer)
            account = next(
                (a for a in self._store.list_accounts(conn, handle) if a.id == account_id), None
            )
            if account is None or account.type not in _CARD_TYPES:
                raise ValueError(f"customer {customer!r} has no card on account {account_id!r}")
            changed = conn.execute(
                update(table)
                .where(table.c.account_id == account_id)
                .values(frozen=frozen, updated_at=now)
            )
            if not changed.rowcount:
                conn.execute(
                    insert(table).values(
                        account_id=account_id,
                        customer_id=handle.id,
                        frozen=frozen,
                        updated_at=now,
                    )
                )
            self._audit.append(
                conn,
                actor=actor,
                action="card_frozen" if frozen else "card_unfrozen",
                customer_ref=handle.id,
                detail={"account": account_id},
            )
        return Card(account_id, card_label(account.type, account.mask), frozen)


def card_label(kind: AccountType, mask: str) -> str:
    name = "Credit card" if kind is AccountType.CREDIT_CARD else "Debit card"
    return f"{name} ••{mask}" if mask else name
