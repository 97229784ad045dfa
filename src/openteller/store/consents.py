"""Consents and privacy preferences in the database.

Consent rows are read fresh on every access check (no cache anywhere), so a revocation
committed by any process stops the very next read in every process.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, bindparam, insert, select, update

from openteller.domain.consent import Consent, ConsentStatus, Purpose, Scope
from openteller.store import schema
from openteller.store.timestamps import as_utc


def _consent(row: object) -> Consent:
    r = row
    return Consent(
        id=r.id,  # type: ignore[attr-defined]
        customer_id=r.customer_id,  # type: ignore[attr-defined]
        channel=r.channel,  # type: ignore[attr-defined]
        purposes=frozenset(Purpose(p) for p in r.purposes.split(",") if p),  # type: ignore[attr-defined]
        scopes=frozenset(Scope(s) for s in r.scopes.split(",") if s),  # type: ignore[attr-defined]
        created_at=as_utc(r.created_at),  # type: ignore[attr-defined]
        expires_at=as_utc(r.expires_at),  # type: ignore[attr-defined]
        status=ConsentStatus(r.status),  # type: ignore[attr-defined]
        status_changed_at=as_utc(r.status_changed_at),  # type: ignore[attr-defined]
        transactions_from=r.transactions_from,  # type: ignore[attr-defined]
        transactions_until=r.transactions_until,  # type: ignore[attr-defined]
    )


# Built once: every read checks consents (binding values only, no statement building).
_OF_CUSTOMER = (
    select(schema.consents)
    .where(schema.consents.c.customer_id == bindparam("customer"))
    .order_by(schema.consents.c.created_at, schema.consents.c.id)
)
_DISCREET = select(schema.customer_preferences.c.discreet).where(
    schema.customer_preferences.c.customer_id == bindparam("customer")
)
_ON_CHANNEL = _OF_CUSTOMER.where(schema.consents.c.channel == bindparam("channel"))
_OF_CUSTOMERS_ON_CHANNEL = (
    select(schema.consents)
    .where(
        schema.consents.c.customer_id.in_(bindparam("customers", expanding=True)),
        schema.consents.c.channel == bindparam("channel"),
    )
    .order_by(schema.consents.c.created_at, schema.consents.c.id)
)
_DISCREET_AMONG = select(schema.customer_preferences.c.customer_id).where(
    schema.customer_preferences.c.customer_id.in_(bindparam("customers", expanding=True)),
    schema.customer_preferences.c.discreet.is_(True),
)


class ConsentStore:
    """Consent rows of one bank's customers."""

    def add(self, conn: Connection, consent: Consent) -> None:
        conn.execute(
            insert(schema.consents).values(
                id=consent.id,
                customer_id=consent.customer_id,
                channel=consent.channel,
                purposes=",".join(sorted(p.value for p in consent.purposes)),
                scopes=",".join(sorted(s.value for s in consent.scopes)),
                status=consent.status.value,
                created_at=consent.created_at,
                expires_at=consent.expires_at,
                status_changed_at=consent.status_changed_at,
                transactions_from=consent.transactions_from,
                transactions_until=consent.transactions_until,
            )
        )

    def get(self, conn: Connection, customer_id: str, consent_id: str) -> Consent | None:
        row = conn.execute(
            select(schema.consents).where(
                and_(
                    schema.consents.c.id == consent_id,
                    schema.consents.c.customer_id == customer_id,
                )
            )
        ).first()
        return None if row is None else _consent(row)

    def for_customer(
        self, conn: Connection, customer_id: str, channel: str | None = None
    ) -> list[Consent]:
        if channel is None:
            rows = conn.execute(_OF_CUSTOMER, {"customer": customer_id})
        else:
            rows = conn.execute(_ON_CHANNEL, {"customer": customer_id, "channel": channel})
        return [_consent(r) for r in rows]

    def for_customers(
        self, conn: Connection, customer_ids: Iterable[str], channel: str
    ) -> dict[str, list[Consent]]:
        """:meth:`for_customer` on ``channel`` for several customers, in one statement:
        each customer's consents, oldest first (an empty list when there are none)."""
        wanted = sorted(set(customer_ids))
        found: dict[str, list[Consent]] = {customer: [] for customer in wanted}
        if wanted:
            rows = conn.execute(_OF_CUSTOMERS_ON_CHANNEL, {"customers": wanted, "channel": channel})
            for row in rows:
                found[row.customer_id].append(_consent(row))
        return found

    def customers_consenting_to(
        self, conn: Connection, bank_id: str, purpose: Purpose, now: datetime
    ) -> list[str]:
        """External ids of the bank's customers with a live consent naming ``purpose``
        (on any channel; each read still goes through the access service)."""
        table = schema.consents
        rows = conn.execute(
            select(schema.customers.c.external_id)
            .distinct()
            .join(table, table.c.customer_id == schema.customers.c.id)
            .where(
                and_(
                    schema.customers.c.bank_id == bank_id,
                    table.c.status == ConsentStatus.AUTHORISED.value,
                    table.c.expires_at > now,
                    table.c.purposes.contains(purpose.value),
                )
            )
            .order_by(schema.customers.c.external_id)
        )
        return [row.external_id for row in rows]

    def save_status(self, conn: Connection, consent: Consent) -> None:
        conn.execute(
            update(schema.consents)
            .where(schema.consents.c.id == consent.id)
            .values(status=consent.status.value, status_changed_at=consent.status_changed_at)
        )

    # -- preferences ---------------------------------------------------------------------
    def discreet(self, conn: Connection, customer_id: str) -> bool:
        row = conn.execute(_DISCREET, {"customer": customer_id}).first()
        return bool(row.discreet) if row is not None else False

    def discreet_among(self, conn: Connection, customer_ids: Iterable[str]) -> set[str]:
        """Those of ``customer_ids`` who asked for discreet mode (one statement)."""
        wanted = sorted(set(customer_ids))
        if not wanted:
            return set()
        return {row.customer_id for row in conn.execute(_DISCREET_AMONG, {"customers": wanted})}

    def set_discreet(self, conn: Connection, customer_id: str, on: bool) -> None:
        table = schema.customer_preferences
        now = datetime.now(UTC)
        changed = conn.execute(
            update(table)
            .where(table.c.customer_id == customer_id)
            .values(discreet=on, updated_at=now)
        )
        if not changed.rowcount:
            conn.execute(insert(table).values(customer_id=customer_id, discreet=on, updated_at=now))
