"""Fraud alerts from the bank: signed intake, delivery with "Was this you?", answers.

The bank posts an alert (signed, see :mod:`openteller.services.bank_signing`); OpenTeller checks the
customer's consent for fraud alerts on each linked channel, stores the alert encrypted
under the customer's key, and queues a message with "Yes, it was me" / "No, freeze my
card" buttons (sealed payloads) through the durable outbox. "No" freezes the card
through the bank-actions interface. Every step is in the audit log and the alert's
status is visible to the bank.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Engine, and_, select, update

from openteller.domain.consent import Purpose, Scope
from openteller.domain.errors import (
    AccessDenied,
)
from openteller.domain.fraud_alert import Alert, AlertInvalid
from openteller.privacy.access import AccessService, Requester, UnknownCustomer
from openteller.services.bank_signing import BankRequestRefused, verify_bank_request
from openteller.store import schema
from openteller.store.audit_log import AuditLog
from openteller.store.insert_once import insert_many_once, insert_once
from openteller.store.repository import CustomerHandle, LedgerStore
from openteller.store.retry import in_transaction
from openteller.store.timestamps import as_utc


@dataclass(frozen=True, slots=True)
class AlertDelivery:
    """An alert to queue for a customer (looked up in the queueing transaction)."""

    customer: CustomerHandle
    alert_id: str
    alert: Alert


#: Queues alerts on one channel inside the caller's transaction (the same alert may come
#: twice, a retry, and must still be queued once): (connection, alerts) -> messages queued.
AlertChannel = Callable[[Connection, Sequence[AlertDelivery]], int]
EXPIRED = "This alert has expired; if something is wrong, tell me and I'll pass you to the bank."


@dataclass(frozen=True, slots=True)
class AlertPost:
    """One post of an alert: the alert and the post's Idempotency-Key (if any)."""

    alert: Alert
    request_key: str | None = None


@dataclass(frozen=True, slots=True)
class _Accepted:
    """A post that passed its checks: what storing it needs."""

    post: AlertPost
    customer: CustomerHandle
    channels: tuple[str, ...]  # the customer's channels that may receive it


class AlertService:
    def __init__(
        self,
        engine: Engine,
        store: LedgerStore,
        audit: AuditLog,
        access: AccessService,
        *,
        keys: dict[str, bytes],
        channels: Callable[[], dict[str, AlertChannel]],
        freeze: Callable[[str, str], str],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._store = store
        self._audit = audit
        self._access = access
        self._keys = keys
        #: The channels enabled now: name -> (customer, alert id, alert) -> messages queued
        self._channels = channels
        self._freeze = freeze  # (customer, card last 4) -> confirmation text
        self._clock = clock
        #: Told of each recorded answer: (alert id, was it the customer?).
        self.answer_listeners: list[Callable[[str, bool], object]] = []

    # -- the bank's signed requests ------------------------------------------------------
    def check_bank_request(
        self, headers: dict[str, str], body: bytes, *, idempotent: bool = True
    ) -> str:
        """Check a request's signature and freshness and, for a post (``idempotent``),
        remember its Idempotency-Key (in a transaction of its own); returns the key id."""
        key_id, key = self.verify_bank_request(headers, body, idempotent=idempotent)
        if key is not None:
            with self._engine.begin() as conn:
                self.remember_request(conn, key)
        return key_id

    def verify_bank_request(
        self, headers: dict[str, str], body: bytes, *, idempotent: bool = True
    ) -> tuple[str, str | None]:
        """The key id and (for a post) the Idempotency-Key of a correctly signed, fresh
        request, or a refusal; nothing is stored (see :meth:`remember_request`)."""
        return verify_bank_request(
            self._keys, headers, body, now=self._clock(), idempotent=idempotent
        )

    def remember_request(self, conn: Connection, idempotency_key: str) -> None:
        """Note a post's Idempotency-Key in ``conn``'s transaction (so that a post whose
        work fails may be sent again); a replay if the key was seen before."""
        if not insert_once(
            conn,
            schema.bank_requests,
            {
                "bank_id": self._store.bank_id,
                "idempotency_key": idempotency_key,
                "seen_at": self._clock(),
            },
        ):
            raise BankRequestRefused("a replay: this Idempotency-Key was used before", 409)

    # -- alerts --------------------------------------------------------------------------
    def receive(self, alert: Alert, *, request_key: str | None = None) -> dict[str, Any]:
        """Store and deliver an alert; AccessDenied without the customer's consent.
        ``request_key``: the post's Idempotency-Key, remembered with the alert."""
        (outcome,) = self.receive_many([AlertPost(alert, request_key)])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def receive_many(self, posts: Sequence[AlertPost]) -> list[dict[str, Any] | Exception]:
        """Each post's outcome, in order: what :meth:`receive` returns, or the exception it
        would raise. Every post is checked first (refusals audited as they are found), then
        the accepted ones are stored in one transaction whose audit entries come last (one
        turn at the chain's head): a batch costs one commit. Posts of a batch behave as if
        sent one after another (the same alert again is a retry, the same Idempotency-Key
        again a replay). If the transaction fails, every post in it gets the error and none
        of them is stored."""
        channels = self._channels()
        # Refusals are audited in transactions of their own, before the batch's write
        # (which on SQLite they would otherwise wait for).
        with self._engine.connect() as conn:
            try:
                checked = self._check_all(conn, posts, channels)
            except Exception as exc:  # the checks could not run (the database, say)
                checked = [exc] * len(posts)
        accepted = [c for c in checked if isinstance(c, _Accepted)]
        stored: list[dict[str, Any] | Exception] = []
        if accepted:
            try:
                stored = in_transaction(
                    self._engine, lambda conn: self._write(conn, accepted, channels)
                )
            except Exception as exc:  # nothing of the batch was kept
                stored = [exc] * len(accepted)
        outcomes = iter(stored)
        return [next(outcomes) if isinstance(c, _Accepted) else c for c in checked]

    def _check_all(
        self, conn: Connection, posts: Sequence[AlertPost], channels: dict[str, AlertChannel]
    ) -> list[_Accepted | Exception]:
        """Per post, the channels that may receive its alert, or its refusal (audited).
        Consents are checked for the whole batch at once, one channel at a time."""
        permitted: list[list[str]] = [[] for _ in posts]
        refusals: list[list[str]] = [[] for _ in posts]
        customers: list[CustomerHandle | None] = [None] * len(posts)
        unknown: list[UnknownCustomer | None] = [None] * len(posts)
        for channel in channels:
            requester = Requester(channel, Purpose.FRAUD_ALERTS, "bank:fraud-engine")
            asked = [index for index in range(len(posts)) if unknown[index] is None]
            grants = self._access.authorise_many(
                conn,
                [posts[index].alert.customer for index in asked],
                requester,
                Scope.FRAUD_ALERTS,
            )
            for index, grant in zip(asked, grants, strict=True):
                if isinstance(grant, UnknownCustomer):
                    unknown[index] = grant
                elif isinstance(grant, AccessDenied):  # audited by the access service
                    refusals[index].append(str(grant))
                else:
                    permitted[index].append(channel)
                    customers[index] = grant.customer
        checked: list[_Accepted | Exception] = []
        for index, post in enumerate(posts):
            customer, failure = customers[index], unknown[index]
            if failure is not None:
                checked.append(failure)
                continue
            if customer is None:
                checked.append(
                    AccessDenied(
                        "no channel of this customer may receive fraud alerts"
                        + (
                            f" ({'; '.join(refusals[index])})"
                            if refusals[index]
                            else " (no channel is enabled)"
                        )
                    )
                )
                continue
            try:
                self._check_card(conn, post.alert, customer)
            except Exception as exc:  # this post's own outcome
                checked.append(exc)
                if conn.in_transaction():
                    conn.rollback()  # a failed statement must not spoil the next check
                continue
            checked.append(_Accepted(post, customer, tuple(permitted[index])))
        return checked

    def _check_card(self, conn: Connection, alert: Alert, customer: CustomerHandle) -> None:
        """Refuse (audited) an alert naming a card the customer does not have."""
        if alert.card_last4 and not any(
            account.mask == alert.card_last4
            for account in self._store.list_accounts(conn, customer)
        ):
            self._audit.record(
                actor="bank:fraud-engine",
                action="fraud_alert_refused",
                customer_ref=customer.id,
                purpose=Purpose.FRAUD_ALERTS.value,
                outcome="denied",
                detail={"alert": alert.alert_id[:64], "reason": "unknown card"},
            )
            raise AlertInvalid(
                f"card_last4: no account of customer {alert.customer!r} ends in {alert.card_last4}"
            )

    def _write(
        self, conn: Connection, accepted: list[_Accepted], channels: dict[str, AlertChannel]
    ) -> list[dict[str, Any] | Exception]:
        """Store checked posts in ``conn``'s transaction; each one's outcome, as if they
        had been stored one after another: a post whose Idempotency-Key was seen before
        (stored, or earlier in the batch) is refused alone and writes nothing; the first
        post of an alert new to the store stores it, a later one is a retry. The batch's
        keys and its alerts are inserted with one statement each."""
        outcomes: list[dict[str, Any] | Exception | None] = [None] * len(accepted)
        first_with_key: dict[str, int] = {}
        for index, checked in enumerate(accepted):
            if checked.post.request_key is not None:
                first_with_key.setdefault(checked.post.request_key, index)
        received_at = self._clock()
        new_keys = insert_many_once(
            conn,
            schema.bank_requests,
            [
                {"bank_id": self._store.bank_id, "idempotency_key": key, "seen_at": received_at}
                for key in first_with_key
            ],
            "idempotency_key",
        )
        for index, checked in enumerate(accepted):
            key = checked.post.request_key
            if key is not None and (first_with_key[key] != index or key not in new_keys):
                outcomes[index] = BankRequestRefused(
                    "a replay: this Idempotency-Key was used before", 409
                )
        first_of_alert: dict[str, int] = {}
        for index, checked in enumerate(accepted):
            if outcomes[index] is None:
                first_of_alert.setdefault(checked.post.alert.alert_id, index)
        stored = self._store_alerts(
            conn, [accepted[index] for index in first_of_alert.values()], received_at
        )
        received: list[_Accepted] = []
        deliveries: dict[str, list[AlertDelivery]] = {channel: [] for channel in channels}
        for index, checked in enumerate(accepted):
            if outcomes[index] is not None:
                continue
            alert = checked.post.alert
            # The same alert again (a retry) is queued again, which keeps one of each:
            # outbox and notice ids derive from the alert and the recipient.
            for channel in checked.channels:
                deliveries[channel].append(AlertDelivery(checked.customer, alert.alert_id, alert))
            if first_of_alert[alert.alert_id] == index and alert.alert_id in stored:
                received.append(checked)
                life = _new_life(alert, received_at)
            else:  # a retry: answered as stored the first time
                life = _life(self._row(conn, alert.alert_id))
            outcomes[index] = {**life, "channels": list(checked.channels)}
        for channel, queued in deliveries.items():
            if queued:
                channels[channel](conn, queued)
        # Last before the commit: the audit chain's head is locked from here on.
        for checked in received:
            self._audit.append(
                conn,
                actor="bank:fraud-engine",
                action="fraud_alert_received",
                customer_ref=checked.customer.id,
                purpose=Purpose.FRAUD_ALERTS.value,
                scope=Scope.FRAUD_ALERTS.value,
                detail={"alert": checked.post.alert.alert_id},
            )
        return [outcome for outcome in outcomes if outcome is not None]

    def _store_alerts(
        self, conn: Connection, posts: list[_Accepted], received_at: datetime
    ) -> set[str]:
        """Store the posts' alerts (ids distinct), each encrypted under its customer's
        key; the ids of those not stored before."""
        return insert_many_once(
            conn,
            schema.fraud_alerts,
            [
                {
                    "bank_id": self._store.bank_id,
                    "alert_id": checked.post.alert.alert_id,
                    "customer_id": checked.customer.id,
                    "payload": _sealed_details(checked.customer, checked.post.alert),
                    "status": "delivered",
                    "created_at": received_at,
                    "expires_at": checked.post.alert.expires_at,
                    "answered_at": None,
                }
                for checked in posts
            ],
            "alert_id",
        )

    def _row(self, conn: Connection, alert_id: str) -> Any:
        table = schema.fraud_alerts
        return conn.execute(
            select(table).where(
                and_(table.c.bank_id == self._store.bank_id, table.c.alert_id == alert_id)
            )
        ).first()

    def status(self, alert_id: str) -> dict[str, Any]:
        with self._engine.connect() as conn:
            row = self._row(conn, alert_id)
        if row is None:
            raise AlertInvalid(f"no alert {alert_id!r}")
        return _life(row)

    def answer(
        self, customer: str, alert_id: str, was_me: bool, *, channel: str = "messenger"
    ) -> str:
        """The customer's answer; returns what to tell them."""
        table = schema.fraud_alerts
        now = self._clock()
        with self._engine.begin() as conn:
            handle = self._store.find_customer(conn, customer)
            if handle is None:
                raise UnknownCustomer(f"no customer {customer!r}")
            row = conn.execute(
                select(table).where(
                    and_(
                        table.c.bank_id == self._store.bank_id,
                        table.c.alert_id == alert_id,
                        table.c.customer_id == handle.id,
                    )
                )
            ).first()
            if row is None:
                return "I can't find that alert."
            verdict = "confirmed" if was_me else "denied"
            details = json.loads(handle.cipher.decrypt(row.payload, f"alert:{alert_id}"))
            if row.status == verdict:
                # The same answer handled again (a process died after recording it):
                # finish what it began; freezing a frozen card changes nothing.
                return self._answered(customer, was_me, details)
            if row.status != "delivered":
                return "You have already answered this alert, thank you."
            if as_utc(row.expires_at) < now:
                return EXPIRED
            taken = conn.execute(
                update(table)
                .where(
                    and_(
                        table.c.bank_id == self._store.bank_id,
                        table.c.alert_id == alert_id,
                        table.c.status == "delivered",  # one answer wins, in any process
                    )
                )
                .values(status=verdict, answered_at=now)
            )
            if taken.rowcount != 1:
                return "You have already answered this alert, thank you."
            self._audit.append(
                conn,
                actor=f"customer:{channel}",
                action="fraud_alert_answered",
                customer_ref=handle.id,
                detail={"alert": alert_id, "was_me": was_me},
            )
        for listener in self.answer_listeners:
            listener(alert_id, was_me)
        return self._answered(customer, was_me, details)

    def _answered(self, customer: str, was_me: bool, details: dict[str, Any]) -> str:
        if was_me:
            return "Thanks for confirming. Nothing else to do."
        frozen = self._freeze(customer, details.get("card_last4", ""))
        return f"{frozen} The bank's fraud team will contact you about this payment."


def _sealed_details(customer: CustomerHandle, alert: Alert) -> bytes:
    """The alert's details, encrypted under the customer's key (bound to the alert id)."""
    return customer.cipher.encrypt(
        json.dumps(
            {
                "merchant": alert.merchant,
                "amount": str(alert.amount),
                "currency": alert.currency,
                "card_last4": alert.card_last4,
                "reason": alert.reason,
            }
        ).encode(),
        f"alert:{alert.alert_id}",
    )


def _new_life(alert: Alert, received_at: datetime) -> dict[str, Any]:
    """:func:`_life` of an alert just stored (without reading it back)."""
    return _life(
        SimpleNamespace(
            alert_id=alert.alert_id,
            status="delivered",
            created_at=received_at,
            expires_at=alert.expires_at,
            answered_at=None,
            reported_at=None,
            escalated_at=None,
        )
    )


def _life(row: Any) -> dict[str, Any]:
    return {
        "alert_id": row.alert_id,
        "status": row.status,
        "created_at": as_utc(row.created_at).isoformat(),
        "expires_at": as_utc(row.expires_at).isoformat(),
        "answered_at": as_utc(row.answered_at).isoformat() if row.answered_at else None,
        "reported_at": as_utc(row.reported_at).isoformat() if row.reported_at else None,
        "escalated_at": as_utc(row.escalated_at).isoformat() if row.escalated_at else None,
    }


__all__ = [
    "AccessDenied",
    "AlertChannel",
    "AlertDelivery",
    "AlertPost",
    "AlertService",
]
