"""Read side for the bank's operators' CLI: accounts, balances and transactions.

These reads are for the bank's own operators (`openteller accounts`, `transactions`);
customer-facing reads will go through the privacy core's access service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Engine

from openteller.domain.accounts import Account, Balance
from openteller.domain.categories import Category
from openteller.domain.errors import OpenTellerError
from openteller.domain.money import Money
from openteller.domain.transactions import Transaction, TransactionStatus
from openteller.store.repository import CustomerHandle, LedgerStore


class UnknownCustomer(OpenTellerError):
    """No customer with that id at this bank."""


def require_customer(store: LedgerStore, conn: Connection, external_id: str) -> CustomerHandle:
    """The customer, or :class:`UnknownCustomer` naming the id and the bank."""
    customer = store.find_customer(conn, external_id)
    if customer is None:
        raise UnknownCustomer(
            f"no customer {external_id!r} at bank {store.bank_id!r}; ingest a file for them first"
        )
    return customer


@dataclass(frozen=True, slots=True)
class AccountView:
    account: Account
    balances: list[Balance]
    transactions: int


class LedgerQueries:
    """Lists what is stored for a customer."""

    def __init__(self, engine: Engine, store: LedgerStore) -> None:
        self.engine = engine
        self.store = store

    def _customer(self, conn: Connection, external_id: str) -> CustomerHandle:
        return require_customer(self.store, conn, external_id)

    def accounts(self, external_id: str) -> list[AccountView]:
        with self.engine.connect() as conn:
            customer = self._customer(conn, external_id)
            accounts = self.store.list_accounts(conn, customer)
            balances = self.store.latest_balances(conn, customer)
            counts: dict[str, int] = {}
            for account_id, _row in self.store.iter_rows(conn, customer):
                counts[account_id] = counts.get(account_id, 0) + 1
        return [
            AccountView(
                account=a,
                balances=[b for b in balances if b.account_id == a.id],
                transactions=counts.get(a.id, 0),
            )
            for a in accounts
        ]

    def transactions(
        self,
        external_id: str,
        *,
        since: date | None = None,
        until: date | None = None,
    ) -> list[Transaction]:
        with self.engine.connect() as conn:
            customer = self._customer(conn, external_id)
            result = [
                Transaction(
                    id=row.id,
                    account_id=account_id,
                    booking_date=row.booking_date,
                    value_date=row.value_date,
                    amount=Money.from_minor(row.amount_minor, row.currency),
                    status=TransactionStatus.PENDING if row.pending else TransactionStatus.BOOKED,
                    description=row.description,
                    merchant=row.merchant,
                    mcc=row.mcc or None,
                    category=Category(row.category),
                    counterparty=row.counterparty,
                    bank_reference=row.reference,
                )
                for account_id, row in self.store.iter_rows(
                    conn, customer, since=since, until=until
                )
            ]
        result.sort(key=lambda t: (t.booking_date, t.id))
        return result
