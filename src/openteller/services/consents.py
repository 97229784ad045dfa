"""Consent use cases: grant, authorise, reject, revoke, list, receipts, discreet mode.

Every change is written together with its audit entry in one transaction. A grant that
names a forbidden purpose is refused and the refusal is audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine

from openteller.domain.consent import (
    Consent,
    ConsentStatus,
    new_consent,
    receipt,
    transition,
)
from openteller.domain.errors import ConsentError, ForbiddenPurpose
from openteller.services.customers import require_customer
from openteller.store.audit_log import AuditLog
from openteller.store.consents import ConsentStore
from openteller.store.repository import CustomerHandle, LedgerStore

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ConsentView:
    consent: Consent
    status: ConsentStatus
    receipt: str


class ConsentService:
    """Customers' consents at one bank."""

    def __init__(
        self,
        engine: Engine,
        store: LedgerStore,
        consents: ConsentStore,
        audit: AuditLog,
        clock: Clock = _now,
        on_revoked: Callable[[str], None] | None = None,
    ) -> None:
        self._engine = engine
        self._store = store
        self._consents = consents
        self._audit = audit
        self._clock = clock
        #: Called with the customer's external id after a revocation leaves them with no
        #: live consent (the retention setting may erase them then).
        self.on_revoked = on_revoked

    def _customer(self, conn: Connection, external_id: str) -> CustomerHandle:
        return require_customer(self._store, conn, external_id)

    def view(self, consent: Consent) -> ConsentView:
        now = self._clock()
        return ConsentView(
            consent, consent.status_at(now), receipt(consent, self._store.bank_name, now)
        )

    def grant(
        self,
        external_id: str,
        *,
        channel: str,
        purposes: list[str],
        scopes: list[str],
        days: int = 90,
        transactions_from: date | None = None,
        transactions_until: date | None = None,
        authorise: bool = True,
        actor: str = "",
    ) -> ConsentView:
        """Record a consent (authorised at once when the customer gave it in person or at
        account linking; otherwise awaiting authorisation)."""
        now = self._clock()
        with self._engine.connect() as conn:
            customer = self._customer(conn, external_id)
        try:
            consent = new_consent(
                consent_id=uuid.uuid4().hex,
                customer_id=customer.id,
                channel=channel,
                purposes=purposes,
                scopes=scopes,
                now=now,
                days=days,
                transactions_from=transactions_from,
                transactions_until=transactions_until,
            )
        except ConsentError as exc:
            self._audit.record(
                actor=(actor or channel)[:80],
                action="consent_grant",
                customer_ref=customer.id,
                purpose=",".join(p[:20] for p in purposes)[:40],
                outcome="refused" if isinstance(exc, ForbiddenPurpose) else "invalid",
                detail={"channel": channel[:40], "reason": str(exc)[:300]},
            )
            raise
        with self._engine.begin() as conn:
            if authorise:
                consent = transition(consent, ConsentStatus.AUTHORISED, now)
            self._consents.add(conn, consent)
            self._audit.append(
                conn,
                actor=actor or channel,
                action="consent_grant",
                customer_ref=customer.id,
                purpose=",".join(sorted(p.value for p in consent.purposes))[:40],
                scope=",".join(sorted(s.value for s in consent.scopes))[:40],
                detail=_consent_detail(consent),
            )
        return self.view(consent)

    def change(
        self, external_id: str, consent_id: str, to: ConsentStatus, *, actor: str = ""
    ) -> ConsentView:
        """Authorise, reject or revoke a consent."""
        now = self._clock()
        live_left = True
        with self._engine.begin() as conn:
            customer = self._customer(conn, external_id)
            consent = self._consents.get(conn, customer.id, consent_id)
            if consent is None:
                raise ConsentError(f"customer {external_id!r} has no consent {consent_id!r}")
            changed = transition(consent, to, now)
            self._consents.save_status(conn, changed)
            self._audit.append(
                conn,
                actor=actor or "bank",
                action=f"consent_{to.value.lower()}",
                customer_ref=customer.id,
                detail={"consent": consent.id, "channel": consent.channel},
            )
            if to is ConsentStatus.REVOKED:
                live_left = any(
                    c.is_live(now) for c in self._consents.for_customer(conn, customer.id)
                )
        if not live_left and self.on_revoked is not None:
            self.on_revoked(external_id)
        return self.view(changed)

    def revoke(self, external_id: str, consent_id: str, *, actor: str = "") -> ConsentView:
        return self.change(external_id, consent_id, ConsentStatus.REVOKED, actor=actor)

    def list(self, external_id: str) -> list[ConsentView]:
        with self._engine.connect() as conn:
            customer = self._customer(conn, external_id)
            consents = self._consents.for_customer(conn, customer.id)
        return [self.view(c) for c in consents]

    def set_discreet(self, external_id: str, on: bool, *, actor: str = "") -> None:
        """Discreet mode: replies through a messaging platform carry no amounts."""
        with self._engine.begin() as conn:
            customer = self._customer(conn, external_id)
            self._consents.set_discreet(conn, customer.id, on)
            self._audit.append(
                conn,
                actor=actor or "bank",
                action="discreet_on" if on else "discreet_off",
                customer_ref=customer.id,
            )

    def discreet(self, external_id: str) -> bool:
        with self._engine.connect() as conn:
            customer = self._customer(conn, external_id)
            return self._consents.discreet(conn, customer.id)


def _consent_detail(consent: Consent) -> dict[str, object]:
    detail: dict[str, object] = {
        "consent": consent.id,
        "channel": consent.channel,
        "status": consent.status.value,
        "purposes": sorted(p.value for p in consent.purposes),
        "scopes": sorted(s.value for s in consent.scopes),
        "expires_at": consent.expires_at.isoformat(),
    }
    if consent.transactions_from:
        detail["transactions_from"] = consent.transactions_from.isoformat()
    if consent.transactions_until:
        detail["transactions_until"] = consent.transactions_until.isoformat()
    return detail
