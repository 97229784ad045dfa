"""Data portability: everything held about a customer, as one JSON document.

Built only from reads through the access service (purpose ``export``), so the export is
consent-checked and each part of it lands in the customer's audit trail; the export as
a whole is audited too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from openteller.domain.consent import Purpose
from openteller.domain.transactions import Transaction
from openteller.privacy.access import AccessService, Requester
from openteller.services.consents import ConsentService
from openteller.store.audit_log import AuditLog

FORMAT_VERSION = 1


def transaction_record(t: Transaction) -> dict[str, Any]:
    """A transaction as JSON (export, ``openteller transactions --json``)."""
    return {
        "id": t.id,
        "account_id": t.account_id,
        "booking_date": t.booking_date.isoformat(),
        "value_date": t.value_date.isoformat() if t.value_date else None,
        "amount": str(t.amount.amount),
        "currency": t.amount.currency,
        "status": t.status.value,
        "description": t.description,
        "merchant": t.merchant,
        "mcc": t.mcc,
        "category": t.category.slug,
        "counterparty": t.counterparty,
        "bank_reference": t.bank_reference,
    }


class ExportService:
    def __init__(self, access: AccessService, consents: ConsentService, audit: AuditLog) -> None:
        self._access = access
        self._consents = consents
        self._audit = audit

    def export(
        self, external_id: str, *, channel: str = "terminal", actor: str = ""
    ) -> dict[str, Any]:
        requester = Requester(channel, Purpose.EXPORT, actor)
        views = self._access.accounts(external_id, requester)
        balances = self._access.balances(external_id, requester)
        transactions = self._access.transactions(external_id, requester)
        consents = self._consents.list(external_id)
        trail = self._access.trail(external_id, requester)
        customer_ref = trail[-1].customer_ref if trail else ""
        self._audit.record(
            actor=requester.who,
            action="export",
            customer_ref=customer_ref,
            purpose=Purpose.EXPORT.value,
            detail={
                "channel": channel,
                "accounts": len(views),
                "transactions": len(transactions),
                "consents": len(consents),
                "audit_entries": len(trail),
            },
        )
        return {
            "format": "openteller-export",
            "version": FORMAT_VERSION,
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "customer": external_id,
            "accounts": [
                {
                    "id": v.account.id,
                    "name": v.account.display_name,
                    "type": v.account.type.value,
                    "last4": v.account.mask,
                    "currency": v.account.currency,
                    "transactions": v.transactions,
                }
                for v in views
            ],
            "balances": [
                {
                    "account_id": b.account_id,
                    "kind": b.kind.value,
                    "amount": str(b.amount.amount),
                    "currency": b.amount.currency,
                    "as_of": b.as_of.isoformat(),
                }
                for b in balances
            ],
            "transactions": [transaction_record(t) for t in transactions],
            "consents": [
                {
                    "id": c.consent.id,
                    "channel": c.consent.channel,
                    "purposes": sorted(p.value for p in c.consent.purposes),
                    "scopes": sorted(s.value for s in c.consent.scopes),
                    "status": c.status.value,
                    "created_at": c.consent.created_at.isoformat(),
                    "expires_at": c.consent.expires_at.isoformat(),
                }
                for c in consents
            ],
            "audit_trail": [
                {
                    "seq": r.seq,
                    "at": r.at,
                    "who": r.actor,
                    "action": r.action,
                    "purpose": r.purpose,
                    "scope": r.scope,
                    "outcome": r.outcome,
                    "detail": r.details(),
                }
                for r in trail
            ],
        }
