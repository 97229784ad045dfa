"""The bank's real-time feed: new transactions and balances as they happen.

A signed post (checked by :class:`openteller.services.alerts.AlertService`) is read by
:mod:`openteller.ingest.bank_feed`, stored like a statement file (encrypted, categorised,
deduplicated by the bank's transaction id, all or nothing) and audited; then each
listener sees the new transactions: the risk scoring (alerts above its threshold) and the
proactive insights (for customers who opted in).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from openteller.ingest.bank_feed import Feed, FeedInvalid, FeedTransaction, parse_feed
from openteller.logs import get_logger
from openteller.services.ingest import FileReport, IngestService
from openteller.store.audit_log import AuditLog
from openteller.store.repository import LedgerStore

log = get_logger("openteller.feed")

#: Called after a feed is stored: (customer, the fed transactions) -> None.
FeedListener = Callable[[str, list[FeedTransaction]], object]


class FeedRejected(FeedInvalid):
    """A feed with bad entries: nothing was stored. ``problems`` names each one."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


class FeedService:
    def __init__(
        self, engine: Engine, store: LedgerStore, audit: AuditLog, ingest: IngestService
    ) -> None:
        self._engine = engine
        self._store = store
        self._audit = audit
        self._ingest = ingest
        self.listeners: list[FeedListener] = []

    def receive(self, data: Any, *, what: str) -> dict[str, Any]:
        """Store one post of the feed (``what``: transactions or balances)."""
        feed = parse_feed(data, source=what)
        if what == "balances" and feed.transactions:
            raise FeedInvalid("transactions: post them to /bank/v1/transactions")
        if len(feed.records) == 1 and not feed.problems:
            raise FeedInvalid(f"{what}: at least one entry is required")
        report = self._store_feed(feed, what)
        for listener in self.listeners:
            try:
                listener(feed.customer, feed.transactions)
            except Exception as exc:  # the data is stored; a listener's fault is logged
                log.error("feed_listener_failed", error=type(exc).__name__, detail=str(exc)[:200])
        return {
            "customer": feed.customer,
            "transactions_added": report.transactions_added,
            "duplicates_skipped": report.duplicates_skipped,
            "balances": report.balances,
        }

    def _store_feed(self, feed: Feed, what: str) -> FileReport:
        problems = [p.describe() for p in feed.problems]
        if problems:
            raise FeedRejected(f"{len(problems)} bad entries; nothing was stored", problems)
        report = self._ingest.ingest_records(feed.records, what, feed.customer)
        if report.status != "ok":
            raise FeedRejected(
                f"nothing was stored: {report.error}", [p.describe() for p in report.problems]
            )
        with self._engine.begin() as conn:
            customer = self._store.find_customer(conn, feed.customer)
            self._audit.append(
                conn,
                actor="bank:feed",
                action=f"bank_feed_{what}",
                customer_ref=customer.id if customer else "",
                detail={
                    "added": report.transactions_added,
                    "duplicates": report.duplicates_skipped,
                    "balances": report.balances,
                },
            )
        return report
