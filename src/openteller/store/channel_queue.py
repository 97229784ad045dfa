"""The durable inbox (webhook events) and outbox (messages to send) in the database.

Both are shared by every process: a row is *claimed* with a conditional UPDATE (only
one process's update matches), held for a lease, then marked done/sent; a process that
dies mid-way leaves a claim that expires, and another process takes the row again.
Delivery is therefore at least once; receivers dedupe by the row's key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from openteller.store import schema
from openteller.store.insert_once import insert_many_once

LEASE = timedelta(seconds=60)
#: An inbox row's key is at most this long (longer keys are cut to it).
INBOX_KEY_LENGTH = 200
#: How long a message whose sender died mid-send waits for the platform's echo before
#: it is sent again.
ECHO_WAIT = timedelta(minutes=5)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Claimed:
    key: str
    channel: str
    payload: bytes
    attempts: int


class Inbox:
    def __init__(self, bank_id: str, lease: timedelta = LEASE) -> None:
        self.bank_id = bank_id
        self.lease = lease

    def add_many(self, conn: Connection, channel: str, events: list[tuple[str, bytes]]) -> set[str]:
        """Store each (key, payload) once, in one statement; the keys stored now (a key
        seen before, in the inbox or earlier in ``events``, is left out)."""
        received = _now()
        rows: dict[str, dict[str, object]] = {}
        for key, payload in events:
            kept_key = key[:INBOX_KEY_LENGTH]
            if kept_key not in rows:
                rows[kept_key] = {
                    "bank_id": self.bank_id,
                    "event_key": kept_key,
                    "channel": channel,
                    "payload": payload,
                    "status": "pending",
                    "attempts": 0,
                    "claimed_until": None,
                    "received_at": received,
                    "error": "",
                }
        return insert_many_once(conn, schema.channel_inbox, list(rows.values()), "event_key")

    def claim(self, conn: Connection, limit: int = 20) -> list[Claimed]:
        table = schema.channel_inbox
        now = _now()
        ready = and_(
            table.c.bank_id == self.bank_id,
            or_(
                table.c.status == "pending",
                and_(table.c.status == "working", table.c.claimed_until < now),
            ),
        )
        rows = conn.execute(
            select(table.c.event_key, table.c.channel, table.c.payload, table.c.attempts)
            .where(ready)
            .order_by(table.c.received_at)
            .limit(limit)
        ).all()
        claimed = []
        for row in rows:
            taken = conn.execute(
                update(table)
                .where(and_(ready, table.c.event_key == row.event_key))
                .values(
                    status="working", claimed_until=now + self.lease, attempts=table.c.attempts + 1
                )
            )
            if taken.rowcount == 1:
                claimed.append(
                    Claimed(row.event_key, row.channel, bytes(row.payload), row.attempts + 1)
                )
        return claimed

    def finish(self, conn: Connection, key: str, *, error: str = "") -> None:
        table = schema.channel_inbox
        conn.execute(
            update(table)
            .where(and_(table.c.bank_id == self.bank_id, table.c.event_key == key))
            .values(status="failed" if error else "done", claimed_until=None, error=error[:500])
        )

    def pending(self, conn: Connection) -> int:
        table = schema.channel_inbox
        return len(
            conn.execute(
                select(table.c.event_key).where(
                    and_(
                        table.c.bank_id == self.bank_id, table.c.status.in_(["pending", "working"])
                    )
                )
            ).all()
        )


class Outbox:
    """Messages to send. A claimed message is ``working``; just before its send it is
    ``sending``: if the process dies then, nobody knows whether the platform got it, so
    it is sent again only after ``echo_wait`` without the platform's echo confirming it
    (:meth:`confirm`), where a merely claimed one is taken over after ``lease``."""

    def __init__(
        self, bank_id: str, lease: timedelta = LEASE, echo_wait: timedelta = ECHO_WAIT
    ) -> None:
        self.bank_id = bank_id
        self.lease = lease
        self.echo_wait = echo_wait

    def add_many(
        self, conn: Connection, channel: str, messages: Sequence[tuple[str, bytes]]
    ) -> set[str]:
        """Queue each ``(message id, payload)`` once, in one statement: the ids queued now
        (an id already queued, before or earlier in ``messages``, is left as it is)."""
        now = _now()
        rows: dict[str, dict[str, Any]] = {}
        for message_id, payload in messages:
            rows.setdefault(  # the first of an id wins
                message_id,
                {
                    "id": message_id,
                    "bank_id": self.bank_id,
                    "channel": channel,
                    "payload": payload,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "sent_at": None,
                    "error": "",
                },
            )
        return insert_many_once(conn, schema.channel_outbox, list(rows.values()), "id")

    def claim(self, conn: Connection, limit: int = 20) -> list[Claimed]:
        """Take up to ``limit`` messages due for sending, oldest first (one statement for
        the batch), and hold them for ``lease``: ``working``. Rows another process holds
        are skipped on PostgreSQL rather than waited for."""
        table = schema.channel_outbox
        now = _now()
        ready = and_(
            table.c.bank_id == self.bank_id,
            table.c.next_attempt_at <= now,
            table.c.status.in_(["pending", "working", "sending"]),
        )
        rows = conn.execute(
            select(table.c.id, table.c.channel, table.c.payload, table.c.attempts)
            .where(ready)
            .order_by(table.c.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not rows:
            return []
        taken = set(
            conn.execute(
                update(table)
                .where(and_(ready, table.c.id.in_([row.id for row in rows])))
                .values(
                    status="working",
                    next_attempt_at=now + self.lease,
                    attempts=table.c.attempts + 1,
                )
                .returning(table.c.id)
            ).scalars()
        )  # on SQLite another process may have taken some between the two statements
        return [
            Claimed(row.id, row.channel, bytes(row.payload), row.attempts + 1)
            for row in rows
            if row.id in taken
        ]

    def lock(self, conn: Connection, message_ids: list[str]) -> None:
        """Lock these messages' rows for the rest of the transaction, in id order.

        Every transaction that changes several messages (the worker writing a batch's
        outcome, a webhook post's echoes confirming sends) locks them first, in the same
        order, so two of them never wait on each other (PostgreSQL; SQLite locks the
        whole database for a writer anyway)."""
        if not message_ids or conn.dialect.name == "sqlite":
            return
        table = schema.channel_outbox
        conn.execute(
            select(table.c.id)
            .where(and_(table.c.bank_id == self.bank_id, table.c.id.in_(sorted(message_ids))))
            .order_by(table.c.id)
            .with_for_update()
        ).all()

    def sending(self, conn: Connection, message_ids: list[str]) -> set[str]:
        """About to send these (commit this before the calls): from now on each message's
        fate is in doubt until the platform answers or echoes it, so if the process dies
        it is sent again only after ``echo_wait``. Returns the ones still ours (a claim
        that lapsed may have been taken by another process)."""
        if not message_ids:
            return set()
        table = schema.channel_outbox
        self.lock(conn, message_ids)
        return set(
            conn.execute(
                update(table)
                .where(
                    and_(
                        table.c.bank_id == self.bank_id,
                        table.c.id.in_(message_ids),
                        table.c.status == "working",
                    )
                )
                .values(status="sending", next_attempt_at=_now() + self.echo_wait)
                .returning(table.c.id)
            ).scalars()
        )

    def sent(self, conn: Connection, message_ids: list[str]) -> None:
        """The platform took these messages (rows locked first with :meth:`lock`, with
        every other row the transaction changes)."""
        table = schema.channel_outbox
        conn.execute(
            update(table)
            .where(and_(table.c.bank_id == self.bank_id, table.c.id.in_(message_ids)))
            .values(status="sent", sent_at=_now())
        )

    def confirm(self, conn: Connection, message_id: str) -> bool:
        """The channel confirmed the message arrived (e.g. Messenger's echo): it is sent,
        whatever became of the process that sent it. False when it was already marked."""
        table = schema.channel_outbox
        done = conn.execute(
            update(table)
            .where(
                and_(
                    table.c.bank_id == self.bank_id,
                    table.c.id == message_id[:64],
                    table.c.status.in_(["pending", "working", "sending"]),
                )
            )
            .values(status="sent", sent_at=_now())
        )
        return done.rowcount == 1

    def retry_later(self, conn: Connection, message_id: str, attempts: int, error: str) -> datetime:
        """Send again later (backing off with the attempts made); returns when."""
        table = schema.channel_outbox
        at = _now() + timedelta(seconds=min(3600, 2 ** min(attempts, 12)))
        conn.execute(
            update(table)
            .where(table.c.id == message_id)
            .values(status="pending", next_attempt_at=at, error=error[:500])
        )
        return at

    def release(self, conn: Connection, message_ids: list[str], at: datetime) -> None:
        """Claimed but never tried (an earlier message to the same person failed): back
        to pending, due at ``at``, the attempt not counted."""
        if not message_ids:
            return
        table = schema.channel_outbox
        conn.execute(
            update(table)
            .where(and_(table.c.bank_id == self.bank_id, table.c.id.in_(message_ids)))
            .values(status="pending", next_attempt_at=at, attempts=table.c.attempts - 1)
        )

    def failed(self, conn: Connection, message_id: str, error: str) -> None:
        table = schema.channel_outbox
        conn.execute(
            update(table).where(table.c.id == message_id).values(status="failed", error=error[:500])
        )

    def counts(self, conn: Connection) -> dict[str, int]:
        table = schema.channel_outbox
        result: dict[str, int] = {}
        for (status,) in conn.execute(
            select(table.c.status).where(table.c.bank_id == self.bank_id)
        ):
            result[status] = result.get(status, 0) + 1
        return result
