"""Finding a customer for a use case that acts on them (rules, consents)."""

from __future__ import annotations

from sqlalchemy import Connection

from openteller.privacy.access import UnknownCustomer
from openteller.store.repository import CustomerHandle, LedgerStore


def require_customer(store: LedgerStore, conn: Connection, external_id: str) -> CustomerHandle:
    """The customer, or :class:`UnknownCustomer` naming the id and the bank."""
    customer = store.find_customer(conn, external_id)
    if customer is None:
        raise UnknownCustomer(
            f"no customer {external_id!r} at bank {store.bank_id!r}; ingest a file for them first"
        )
    return customer
