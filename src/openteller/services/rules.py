"""A customer's own category rules: add, list, remove, and recategorise what is stored.

Rules are stored encrypted under the customer's key. Adding or removing one recategorises
the customer's stored transactions at once, so the next answer already follows it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, Engine

from openteller.categorise.categoriser import Categoriser, CustomerRule
from openteller.domain.errors import OpenTellerError
from openteller.domain.money import Money
from openteller.services.customers import require_customer
from openteller.store.ledger_codec import LedgerRow
from openteller.store.repository import CustomerHandle, LedgerStore


class RuleError(OpenTellerError):
    """A rule that cannot be added or removed."""


@dataclass(frozen=True, slots=True)
class NumberedRule:
    number: int
    rule: CustomerRule


class RulesService:
    def __init__(self, engine: Engine, store: LedgerStore) -> None:
        self.engine = engine
        self.store = store

    def _customer(self, conn: Connection, external_id: str) -> CustomerHandle:
        return require_customer(self.store, conn, external_id)

    def rules(self, external_id: str) -> list[NumberedRule]:
        with self.engine.connect() as conn:
            customer = self._customer(conn, external_id)
            return self._rules(conn, customer)

    def _rules(self, conn: Connection, customer: CustomerHandle) -> list[NumberedRule]:
        return [
            NumberedRule(number, CustomerRule.from_dict(data))
            for number, data in self.store.list_rules(conn, customer)
        ]

    def add(self, external_id: str, rule: CustomerRule) -> tuple[int, int]:
        """Store ``rule`` and recategorise; returns (rule number, transactions changed)."""
        with self.engine.begin() as conn:
            customer = self._customer(conn, external_id)
            number = self.store.add_rule(conn, customer, dict(rule.to_dict()))
            changed = self._recategorise(conn, customer)
        return number, changed

    def remove(self, external_id: str, number: int) -> int:
        """Delete rule ``number`` and recategorise; returns transactions changed."""
        with self.engine.begin() as conn:
            customer = self._customer(conn, external_id)
            if not self.store.delete_rule(conn, customer, number):
                known = ", ".join(str(r.number) for r in self._rules(conn, customer)) or "none"
                raise RuleError(
                    f"customer {external_id!r} has no rule {number} (their rules: {known})"
                )
            return self._recategorise(conn, customer)

    def _recategorise(self, conn: Connection, customer: CustomerHandle) -> int:
        categoriser = Categoriser([r.rule for r in self._rules(conn, customer)])

        def change(row: LedgerRow) -> LedgerRow | None:
            amount: Decimal = Money.from_minor(row.amount_minor, row.currency).amount
            category = int(
                categoriser.categorise(
                    merchant=row.merchant,
                    description=row.description,
                    amount=amount,
                    mcc=row.mcc,
                    counterparty=row.counterparty,
                    transaction_type=row.transaction_type,
                    category_hint=row.category_hint,
                )
            )
            return None if category == row.category else dataclasses.replace(row, category=category)

        return self.store.rewrite_blocks(conn, customer, change)
