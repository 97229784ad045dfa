"""Proactive insights, delivered to customers who opted in, and "stop these".

After new data arrives (the bank's feed), the customer's recent transactions and
balances are read through the access service under the purpose "proactive insights"
(so only with the customer's opt-in consent for a channel, and audited), the pure
functions of :mod:`openteller.alerts.insights` find what is worth saying, and each
insight not offered before and of a kind the customer has not stopped goes to every
channel that may carry it: the bank's web chat, and Messenger only inside its 24-hour
window (an insight is not an account update the platform lets us send later).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import Engine, and_, delete, insert, select

from openteller.alerts import insights as find
from openteller.domain.accounts import BalanceKind
from openteller.domain.categories import NON_SPENDING
from openteller.domain.consent import Purpose, Scope
from openteller.domain.errors import AccessDenied, DomainError, OpenTellerError
from openteller.domain.transactions import Transaction
from openteller.logs import get_logger
from openteller.privacy.access import AccessService, Requester
from openteller.store import schema
from openteller.store.audit_log import AuditLog
from openteller.store.consents import ConsentStore
from openteller.store.insert_once import insert_once
from openteller.store.job_runs import claim_run
from openteller.store.repository import LedgerStore

#: What each kind is called when the customer is asked whether to stop it.
KINDS = {
    "duplicate_charge": "duplicate charge warnings",
    "new_recurring": "new recurring charge notes",
    "recurring_increase": "recurring price rise notes",
    "low_balance": "low balance warnings",
    "weekly_spending": "weekly spending updates",
    "unusually_large": "large payment notes",
}
HISTORY_DAYS = 120
#: The weekly update is offered once a week, from Thursday (weekday 3) on.
WEEKLY_FROM = 3
ACTOR = "openteller:insights"

#: (customer, notice id, text, stop payload) -> messages queued on one channel
Deliver = Callable[[str, str, str, str], int]

log = get_logger("openteller.insights")


class InsightService:
    def __init__(
        self,
        engine: Engine,
        store: LedgerStore,
        audit: AuditLog,
        access: AccessService,
        channels: Callable[[], dict[str, Deliver]],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._store = store
        self._audit = audit
        self._access = access
        self._channels = channels
        self._clock = clock

    # -- the customer's choices ------------------------------------------------------------
    def stop(self, customer: str, kind: str, *, actor: str) -> str:
        """Stop one kind of insight; returns what to tell the customer."""
        if kind not in KINDS:
            return "I don't know that kind of message."
        self._setting(customer, kind, muted=True, threshold=None, actor=actor)
        return f"Done: no more {KINDS[kind]}. You can turn them back on in your privacy settings."

    def start(self, customer: str, kind: str, *, actor: str) -> None:
        if kind not in KINDS:
            raise DomainError(f"no insight kind {kind!r}; one of {', '.join(KINDS)}")
        self._setting(customer, kind, muted=False, threshold=None, actor=actor)

    def set_low_balance(self, customer: str, threshold: str, *, actor: str) -> None:
        try:
            amount = Decimal(threshold)
        except InvalidOperation:
            raise DomainError(f"low balance threshold: a number, not {threshold!r}") from None
        if not amount.is_finite() or amount < 0:
            raise DomainError("low balance threshold: zero or more")
        self._setting(customer, "low_balance", muted=False, threshold=str(amount), actor=actor)

    def settings(self, customer: str) -> dict[str, tuple[bool, str | None]]:
        """kind -> (stopped?, threshold) for every kind."""
        table = schema.insight_settings
        chosen: dict[str, tuple[bool, str | None]] = dict.fromkeys(KINDS, (False, None))
        with self._engine.connect() as conn:
            handle = self._store.find_customer(conn, customer)
            if handle is None:
                return chosen
            for row in conn.execute(select(table).where(table.c.customer_id == handle.id)):
                chosen[row.kind] = (bool(row.muted), row.threshold)
        return chosen

    def _setting(
        self, customer: str, kind: str, *, muted: bool, threshold: str | None, actor: str
    ) -> None:
        table = schema.insight_settings
        with self._engine.begin() as conn:
            handle = self._store.find_customer(conn, customer)
            if handle is None:
                raise DomainError(f"no customer {customer!r}")
            old = conn.execute(
                select(table.c.threshold).where(
                    and_(table.c.customer_id == handle.id, table.c.kind == kind)
                )
            ).first()
            conn.execute(
                delete(table).where(and_(table.c.customer_id == handle.id, table.c.kind == kind))
            )
            conn.execute(
                insert(table).values(
                    customer_id=handle.id,
                    kind=kind,
                    muted=muted,
                    threshold=threshold if threshold is not None else (old and old.threshold),
                    updated_at=self._clock(),
                )
            )
            self._audit.append(
                conn,
                actor=actor,
                action="insights_stopped" if muted else "insights_changed",
                customer_ref=handle.id,
                purpose=Purpose.PROACTIVE_INSIGHTS.value,
                detail={"kind": kind, **({"threshold": threshold} if threshold else {})},
            )

    # -- finding and offering ----------------------------------------------------------------
    def check_if_due(self, every: timedelta) -> int:
        """Check every opted-in customer, at most once per ``every`` across all processes
        (time-based insights, e.g. the week so far, come without new data); returns how
        many messages were queued."""
        now = self._clock()
        with self._engine.begin() as conn:
            if not claim_run(conn, self._store.bank_id, "insights", every, now):
                return 0
            customers = ConsentStore().customers_consenting_to(
                conn, self._store.bank_id, Purpose.PROACTIVE_INSIGHTS, now
            )
        queued = 0
        for customer in customers:
            try:
                queued += self.check(customer)
            except OpenTellerError as exc:  # one customer's problem does not stop the others
                log.error("insights_check_failed", error=type(exc).__name__)
        return queued

    def check(self, customer: str) -> int:
        """Offer the customer's new insights; returns how many messages were queued."""
        permitted = self._permitted(customer)
        if not permitted:
            return 0
        requester = Requester(next(iter(permitted)), Purpose.PROACTIVE_INSIGHTS, ACTOR)
        today = self._clock().date()
        found = self._find(customer, requester, today)
        choices = self.settings(customer)
        queued = 0
        for insight in found:
            if choices.get(insight.kind, (False, None))[0]:
                continue
            key = _send_key(insight)
            if not self._first_time(customer, key):
                continue
            notice = "insight:" + hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
            text = f"Heads-up: {insight.detail}."
            sent = sum(
                deliver(customer, notice, text, f"insight-stop:{insight.kind}")
                for deliver in permitted.values()
            )
            self._settle(customer, key, insight.kind, sent)
            queued += sent
        return queued

    def _permitted(self, customer: str) -> dict[str, Deliver]:
        permitted: dict[str, Deliver] = {}
        with self._engine.connect() as conn:
            if self._store.find_customer(conn, customer) is None:
                return {}
            for channel, deliver in self._channels().items():
                requester = Requester(channel, Purpose.PROACTIVE_INSIGHTS, ACTOR)
                if self._access.permits(conn, customer, requester, Scope.TRANSACTIONS):
                    permitted[channel] = deliver
        return permitted

    def _find(self, customer: str, requester: Requester, today: date) -> list[find.Insight]:
        since = today - timedelta(days=HISTORY_DAYS)
        rows = [_tx(t) for t in self._access.transactions(customer, requester, since=since)]
        found = [
            *find.duplicate_charges(rows, today),
            *find.recurring(rows, today),
            *find.unusually_large(rows, today),
        ]
        if today.weekday() >= WEEKLY_FROM:  # "so far this week" says little on a Monday
            found += find.weekly_spending(rows, today)
        threshold = self.settings(customer)["low_balance"][1]
        if threshold is not None:
            try:
                views = self._access.accounts(customer, requester)
            except AccessDenied:
                views = []
            for view in views:
                for balance in view.balances:
                    if balance.kind is BalanceKind.AVAILABLE:
                        found += find.low_balance(
                            balance.amount.amount,
                            Decimal(threshold),
                            balance.as_of.date(),
                            view.account.label(),
                        )
        return found

    def _first_time(self, customer: str, key: str) -> bool:
        with self._engine.begin() as conn:
            handle = self._store.find_customer(conn, customer)
            if handle is None:
                return False
            return insert_once(
                conn,
                schema.insights_sent,
                {"customer_id": handle.id, "insight_key": key[:200], "sent_at": self._clock()},
            )

    def _settle(self, customer: str, key: str, kind: str, sent: int) -> None:
        """Audit an offered insight; one no channel could carry now (Messenger's window
        closed) is forgotten, to be offered when it can be, while it is still news."""
        table = schema.insights_sent
        with self._engine.begin() as conn:
            handle = self._store.find_customer(conn, customer)
            if handle is None:
                return
            if not sent:
                conn.execute(
                    delete(table).where(
                        and_(table.c.customer_id == handle.id, table.c.insight_key == key[:200])
                    )
                )
                return
            self._audit.append(
                conn,
                actor=ACTOR,
                action="insight_offered",
                customer_ref=handle.id,
                purpose=Purpose.PROACTIVE_INSIGHTS.value,
                detail={"kind": kind, "messages": sent},
            )


def _tx(t: Transaction) -> find.Tx:
    return find.Tx(
        id=t.id,
        day=t.booking_date,
        amount=t.amount.amount,
        merchant=t.merchant,
        spending=t.category not in NON_SPENDING,
    )


def _send_key(insight: find.Insight) -> str:
    """Once per insight; the weekly update once per week; a low balance once a day."""
    if insight.kind == "weekly_spending":
        monday = insight.day - timedelta(days=insight.day.weekday())
        return f"weekly_spending:{monday.isoformat()}"
    if insight.kind == "low_balance":
        return f"low_balance:{insight.merchant.lower()}:{insight.day.isoformat()}"
    return insight.key
