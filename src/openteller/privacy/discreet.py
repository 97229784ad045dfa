"""Discreet mode (G8): what a messaging platform may see of an answer.

For a customer in discreet mode, the text sent through the platform says only that the
answer is ready, with a short-lived signed link; the answer itself is kept encrypted
under the customer's key on the bank's side until they open the link (once, before it
expires). Customers not in discreet mode get the answer itself.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, and_, delete, insert, select

from openteller.privacy.access import UnknownCustomer
from openteller.privacy.reply_links import LinkInvalid, ReplyLinks
from openteller.store import schema
from openteller.store.audit_log import AuditLog
from openteller.store.consents import ConsentStore
from openteller.store.repository import CustomerHandle, LedgerStore

Clock = Callable[[], datetime]

DISCREET_TEXT = (
    "Your answer is ready. To keep it private it is not shown here; open it on "
    "{bank}'s site (link valid for {minutes} minutes): {url}"
)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What may be sent through the platform."""

    text: str
    discreet: bool
    link: str = ""


class DiscreetReplies:
    def __init__(
        self,
        engine: Engine,
        store: LedgerStore,
        audit: AuditLog,
        links: Callable[[], ReplyLinks],
        base_url: str,
        clock: Clock = _now,
    ) -> None:
        self._engine = engine
        self._store = store
        self._audit = audit
        self._links = links
        self._base_url = base_url.rstrip("/")
        self._clock = clock

    def outgoing(
        self,
        who: str | CustomerHandle,
        answer: str,
        *,
        channel: str,
        conn: Connection | None = None,
        discreet: bool | None = None,
    ) -> Outgoing:
        """The text to send through ``channel`` for ``answer`` to ``who`` (the bank's id of
        the customer, or the customer already looked up in ``conn``'s transaction); in
        ``conn``'s transaction when given. ``discreet``: the customer's choice when the
        caller has read it in that transaction already (else it is read here)."""
        now = self._clock()
        with self._engine.begin() if conn is None else contextlib.nullcontext(conn) as conn:
            customer = (
                who if isinstance(who, CustomerHandle) else self._store.find_customer(conn, who)
            )
            if customer is None:
                raise UnknownCustomer(f"no customer {who!r} at bank {self._store.bank_id!r}")
            if discreet is None:
                discreet = ConsentStore().discreet(conn, customer.id)
            if not discreet:
                return Outgoing(answer, discreet=False)
            reply_id = uuid.uuid4().hex
            links = self._links()
            token, expires_at = links.mint(reply_id, now)
            conn.execute(
                insert(schema.pending_replies).values(
                    id=reply_id,
                    customer_id=customer.id,
                    payload=customer.cipher.encrypt(
                        json.dumps({"text": answer}).encode(), f"reply:{reply_id}"
                    ),
                    expires_at=expires_at,
                )
            )
            self._audit.append(
                conn,
                actor=channel,
                action="discreet_reply",
                customer_ref=customer.id,
                detail={"channel": channel, "reply": reply_id},
            )
        url = f"{self._base_url}/r/{token}"
        minutes = int(links.ttl.total_seconds() // 60)
        text = DISCREET_TEXT.format(bank=self._store.bank_name, minutes=minutes, url=url)
        return Outgoing(text, discreet=True, link=url)

    def hold_image(self, external_id: str, png: bytes, *, channel: str) -> str:
        """Keep a chart for a platform to fetch by a short-lived signed URL (the chart is
        the answer the customer asked for); returns that URL."""
        now = self._clock()
        reply_id = uuid.uuid4().hex
        links = self._links()
        token, expires_at = links.mint(reply_id, now)
        with self._engine.begin() as conn:
            customer = self._store.find_customer(conn, external_id)
            if customer is None:
                raise UnknownCustomer(
                    f"no customer {external_id!r} at bank {self._store.bank_id!r}"
                )
            conn.execute(
                insert(schema.pending_replies).values(
                    id=reply_id,
                    customer_id=customer.id,
                    payload=customer.cipher.encrypt(png, f"image:{reply_id}"),
                    expires_at=expires_at,
                )
            )
            self._audit.append(
                conn,
                actor=channel,
                action="chart_sent",
                customer_ref=customer.id,
                detail={"channel": channel, "image": reply_id},
            )
        return f"{self._base_url}/i/{token}.png"

    def image(self, token: str) -> bytes:
        """The chart behind an image URL, until it expires (platforms may fetch it more
        than once); :class:`LinkInvalid` otherwise."""
        reply_id = self._links().open(token, self._clock())
        table = schema.pending_replies
        with self._engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.id == reply_id)).first()
            if row is None:
                raise LinkInvalid("this image has expired")
            customer = conn.execute(
                select(schema.customers.c.external_id).where(
                    schema.customers.c.id == row.customer_id
                )
            ).first()
            handle = self._store.find_customer(conn, customer.external_id) if customer else None
            if handle is None:
                raise LinkInvalid("this image is no longer available")
            return handle.cipher.decrypt(row.payload, f"image:{reply_id}")

    def open(self, token: str) -> str:
        """The held answer behind a link, once; :class:`LinkInvalid` when the link is
        forged, expired or already used."""
        now = self._clock()
        reply_id = self._links().open(token, now)
        table = schema.pending_replies
        with self._engine.begin() as conn:
            row = conn.execute(select(table).where(table.c.id == reply_id)).first()
            if row is None:
                raise LinkInvalid(
                    "this link was already used or has expired: ask again in the chat"
                )
            conn.execute(delete(table).where(and_(table.c.id == reply_id)))
            customer = conn.execute(
                select(schema.customers.c.external_id).where(
                    schema.customers.c.id == row.customer_id
                )
            ).first()
            handle = self._store.find_customer(conn, customer.external_id) if customer else None
            if handle is None:
                raise LinkInvalid("this answer is no longer available")
            payload = json.loads(handle.cipher.decrypt(row.payload, f"reply:{reply_id}"))
            self._audit.append(
                conn,
                actor="bank_web",
                action="discreet_reply_opened",
                customer_ref=handle.id,
                detail={"reply": reply_id},
            )
        return str(payload["text"])
