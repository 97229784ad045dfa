"""Messenger: webhook events in, assistant turns, replies out through the outbox.

``receive`` runs inside the webhook request: it checks the signature on the raw bytes,
parses, and stores each event once in the inbox (Meta retries for up to 36 hours), then
the request is acknowledged. ``process`` (a worker task in the server, or ``openteller
worker``) answers stored events through the assistant and queues replies in the outbox;
``deliver`` sends them through the Send API with retries. A process killed at any point
leaves rows that another process picks up: nothing is lost.

The platform's page-scoped id (PSID) meets the bank's customer only in
``messenger_links``; unknown senders are asked to link their account and nothing else.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, delete, insert, select, update

from openteller.assistant.context import dump as dump_context
from openteller.assistant.context import load as load_context
from openteller.assistant.engine import Assistant, Conversation
from openteller.assistant.replies import Button, QuickReply, Reply
from openteller.channels.messenger.events import (
    Delivery,
    Echo,
    NotAPageEvent,
    Read,
    Unknown,
    parse_body,
)
from openteller.channels.messenger.send import SendClient, SendFailed, render
from openteller.channels.messenger.signature import valid_signature, verify_subscription
from openteller.channels.messenger.typing_indicator import SlowAnswerTyping
from openteller.domain.errors import OpenTellerError
from openteller.domain.fraud_alert import ANSWERS, alert_question
from openteller.privacy.cipher import CustomerCipher
from openteller.privacy.discreet import DiscreetReplies
from openteller.privacy.sealed import SealedPayloads
from openteller.services.alerts import AlertDelivery
from openteller.services.consents import ConsentService
from openteller.services.conversations import ConversationStore
from openteller.services.customers import require_customer
from openteller.store import schema
from openteller.store.audit_log import AuditLog
from openteller.store.channel_queue import INBOX_KEY_LENGTH, Claimed, Inbox, Outbox
from openteller.store.consents import ConsentStore
from openteller.store.repository import LedgerStore
from openteller.store.retry import in_transaction
from openteller.store.timestamps import as_utc

CHANNEL = "messenger"
#: Marks the Send API metadata that names our outbox message (see :class:`Echo`).
ECHO_PREFIX = "ot:"
#: Messenger's standard messaging window after the customer's last message.
STANDARD_WINDOW = timedelta(hours=24)

# Built once: every alert and proactive message looks up the customer's PSIDs.
_LINKED_PSIDS = (
    select(schema.messenger_links.c.psid, schema.messenger_links.c.last_inbound_at)
    .join(schema.customers, schema.customers.c.id == schema.messenger_links.c.customer_id)
    .where(
        schema.messenger_links.c.bank_id == bindparam("bank"),
        schema.customers.c.external_id == bindparam("customer"),
    )
)
_LINKED_PSIDS_OF = select(
    schema.messenger_links.c.customer_id,
    schema.messenger_links.c.psid,
    schema.messenger_links.c.last_inbound_at,
).where(
    schema.messenger_links.c.bank_id == bindparam("bank"),
    schema.messenger_links.c.customer_id.in_(bindparam("customers", expanding=True)),
)
LINK_CODE_LIFETIME = timedelta(minutes=10)
LINK_TEXT = (
    "Hello! To answer questions about your accounts I need you to link your bank "
    "account first. You choose what I may see, and you can unlink at any time."
)


class InvalidSignature(OpenTellerError):
    """A webhook post without a valid ``X-Hub-Signature-256``."""


@dataclass(frozen=True, slots=True)
class MessengerConfig:
    app_secret: bytes
    verify_token: str
    page_token: str
    graph_url: str
    #: The pages served (events for others are dropped); empty: every page.
    page_ids: frozenset[str] = frozenset()


#: A write that finishes answering an event, run in the transaction that marks it done.
_Write = Callable[[Connection], object]


@dataclass
class _Sent:
    """What became of one recipient's messages in a batch."""

    sent: list[str] = field(default_factory=list)
    failed: tuple[Claimed, SendFailed] | None = None
    untried: list[str] = field(default_factory=list)

    def touched(self) -> list[str]:
        failed = [] if self.failed is None else [self.failed[0].key]
        return [*self.sent, *failed, *self.untried]


class MessengerService:
    def __init__(
        self,
        engine: Engine,
        store: LedgerStore,
        audit: AuditLog,
        *,
        config: MessengerConfig,
        queue_cipher: CustomerCipher,
        assistant: Callable[[], Assistant],
        consents: ConsentService,
        discreet: DiscreetReplies,
        sender: SendClient,
        public_base_url: str,
        lease: timedelta = timedelta(seconds=60),
        echo_wait: timedelta = timedelta(minutes=5),
        concurrent_sends: int = 8,
        typing_after: float = 0.3,
    ) -> None:
        self._engine = engine
        self._store = store
        self._audit = audit
        self.config = config
        self._cipher = queue_cipher
        self._assistant = assistant
        self._consents = consents
        self._discreet = discreet
        self.sender = sender
        #: The typing indicator, for answers not ready within ``typing_after`` seconds.
        self._typing = SlowAnswerTyping(lambda psid: self.sender.typing_on(psid), typing_after)
        self._base_url = public_base_url.rstrip("/")
        self._inbox = Inbox(store.bank_id, lease)
        self._outbox = Outbox(store.bank_id, lease, echo_wait)
        self._sealer = SealedPayloads(queue_cipher)
        self._concurrent_sends = concurrent_sends
        self._send_pool: ThreadPoolExecutor | None = None
        #: Set by the composition root: (customer, alert id, was it them?) -> reply text.
        self.alert_answers: Callable[[str, str, bool], str] | None = None
        #: Set by the composition root: (customer, insight kind) -> reply text.
        self.insight_stop: Callable[[str, str], str] | None = None
        #: Conversation context per PSID, in the database: any process answers next.
        self._contexts = ConversationStore(engine, store)

    # -- webhook -------------------------------------------------------------------------
    def verify(self, mode: str | None, token: str | None, challenge: str | None) -> str | None:
        return verify_subscription(mode, token, challenge, self.config.verify_token)

    def receive(self, raw: bytes, signature: str | None) -> int:
        """Check, parse and store a webhook post; returns how many new events were kept.
        Raises :class:`InvalidSignature`; never raises for a signed body it cannot use."""
        events = self.check(raw, signature)

        def keep(conn: Connection) -> int:
            self.lock_echoed(conn, [events])
            return self.store(conn, events)

        return in_transaction(self._engine, keep)

    def check(self, raw: bytes, signature: str | None) -> list[Any]:
        """The events of a correctly signed webhook post, not stored yet (a signed body
        that is not about a page is audited and dropped: no events);
        :class:`InvalidSignature` otherwise."""
        if not valid_signature(self.config.app_secret, raw, signature):
            raise InvalidSignature("missing or invalid X-Hub-Signature-256")
        try:
            return list(parse_body(raw))
        except NotAPageEvent as exc:
            self._dropped("not_a_page_event", str(exc))
            return []

    def lock_echoed(self, conn: Connection, posts: list[list[Any]]) -> None:
        """Before storing posts together: lock the queued messages their echoes confirm,
        in the order every transaction that changes several messages locks them."""
        echoed = [
            event.metadata[len(ECHO_PREFIX) :][:64]
            for events in posts
            for event in events
            if isinstance(event, Echo) and event.metadata.startswith(ECHO_PREFIX)
        ]
        self._outbox.lock(conn, echoed)

    def store(self, conn: Connection, events: list[Any]) -> int:
        """Keep checked events in ``conn``'s transaction (several posts may share one,
        after :meth:`lock_echoed`); returns how many were new."""
        return len(self._inbox.add_many(conn, CHANNEL, self._inbox_rows(conn, events)))

    def store_posts(self, conn: Connection, posts: list[list[Any]]) -> list[int]:
        """Keep the checked events of several posts in ``conn``'s transaction: the
        messages their echoes confirm locked first (:meth:`lock_echoed`), then the inbox
        rows of all of them in one statement. How many of each post's events were new
        (an event in two posts of the batch counts for the first)."""
        self.lock_echoed(conn, posts)
        rows = [self._inbox_rows(conn, events) for events in posts]
        stored = self._inbox.add_many(conn, CHANNEL, [row for post in rows for row in post])
        kept = []
        for post in rows:
            new = {key for key, _payload in post if key in stored}
            stored -= new
            kept.append(len(new))
        return kept

    def _inbox_rows(self, conn: Connection, events: list[Any]) -> list[tuple[str, bytes]]:
        """The inbox rows (key, encrypted event) of the events to answer; receipts,
        echoes (which confirm a send in ``conn``), unknown kinds and other pages' events
        (audited in ``conn``) need none."""
        new: list[tuple[str, bytes]] = []
        served = self.config.page_ids
        for event in events:
            if served and event.page_id not in served:
                self._audit.append(
                    conn,
                    actor=CHANNEL,
                    action="webhook_dropped",
                    customer_ref="",
                    detail={
                        "reason": "a page this service does not serve",
                        "page": event.page_id[:64],
                    },
                )
                continue
            if isinstance(event, Delivery | Read):
                continue  # receipts: nothing to answer
            if isinstance(event, Echo):
                # Our own message, echoed: it was sent, even if the process that sent
                # it died before it could say so (then it must not be sent again).
                if event.metadata.startswith(ECHO_PREFIX):
                    self._outbox.confirm(conn, event.metadata[len(ECHO_PREFIX) :])
                continue
            if isinstance(event, Unknown):
                self._audit.append(
                    conn,
                    actor=CHANNEL,
                    action="webhook_dropped",
                    customer_ref="",
                    detail={"reason": "unknown event", "fields": list(event.fields)[:5]},
                )
                continue
            key = event.key[:INBOX_KEY_LENGTH]
            payload = json.dumps({"kind": event.kind, **asdict(event)}).encode()
            new.append((key, self._cipher.encrypt(payload, f"inbox:{key}")))
        return new

    def _dropped(self, reason: str, detail: str) -> None:
        self._audit.record(
            actor=CHANNEL,
            action="webhook_dropped",
            customer_ref="",
            detail={"reason": reason, "detail": detail[:200]},
        )

    # -- processing ----------------------------------------------------------------------
    def process(self, limit: int = 20) -> int:
        """Answer stored events; returns how many were handled."""
        with self._engine.begin() as conn:
            claimed = self._inbox.claim(conn, limit)
        for item in claimed:
            error = ""
            writes: list[_Write] = []
            try:
                data = json.loads(self._cipher.decrypt(item.payload, f"inbox:{item.key}"))
                writes = self._handle(item.key, data)
            except OpenTellerError as exc:
                error = str(exc)
            # What answering an event leaves behind (the 24-hour window, the reply, the
            # conversation) is written with the event's end, in one transaction: a
            # process that dies before it leaves the event to be answered again, whole.
            in_transaction(self._engine, partial(self._finish, item.key, writes, error))
        return len(claimed)

    def _finish(self, key: str, writes: list[_Write], error: str, conn: Connection) -> None:
        for write in writes:
            write(conn)
        self._inbox.finish(conn, key, error=error)

    def _customer_of(self, psid: str) -> str | None:
        table = schema.messenger_links
        with self._engine.connect() as conn:
            row = conn.execute(
                select(schema.customers.c.external_id)
                .join(table, table.c.customer_id == schema.customers.c.id)
                .where(and_(table.c.bank_id == self._store.bank_id, table.c.psid == psid))
            ).first()
        return None if row is None else str(row.external_id)

    def _handle(self, key: str, data: dict[str, Any]) -> list[_Write]:
        """Answer one stored event; the writes that finish it (see :meth:`process`)."""
        kind, psid = data["kind"], data["sender"]
        if kind == "accountlinking":
            if data.get("status") == "unlinked":
                self.unlink(psid)
            elif data.get("status") == "linked":
                self._linked(psid, str(data.get("authorization_code", "")))
            return []
        if kind not in ("message", "postback"):
            return []
        chosen = data.get("quick_reply") or data.get("payload") or ""
        text = data.get("text") or ""
        if chosen:
            opened = self._unseal(psid, chosen)
            if opened is None:
                self._dropped("bad_payload", "a button payload that is not ours or expired")
                return []
            text = opened
        customer = self._customer_of(psid)
        if customer is None:
            reply = Reply(
                LINK_TEXT,
                buttons=(
                    Button(
                        "Link my account",
                        url=f"{self._base_url}/messenger/link",
                        kind="account_link",
                    ),
                ),
            )
            return [self._queued(key, psid, reply)]
        # The indicator (if the answer is slow) goes out before the reply is queued, so no
        # process can send the reply ahead of it.
        with self._typing.while_answering(psid):
            reply, image_url, conversation = self._reply_to(psid, customer, text, data)
        writes = [
            lambda conn: self._opened_window(psid, conn),
            self._queued(key, psid, reply, image_url=image_url),
        ]
        if conversation is not None:
            remembered = dump_context(conversation)
            writes.append(lambda conn: self._remember(conn, customer, psid, remembered))
        return writes

    def _remember(
        self, conn: Connection, customer: str, psid: str, context: dict[str, Any]
    ) -> None:
        try:
            self._contexts.put(customer, CHANNEL, psid, context, conn=conn)
        except OpenTellerError:  # the customer was just erased: nothing to remember
            self._contexts.forget(CHANNEL, psid, conn=conn)

    def _reply_to(
        self, psid: str, customer: str, text: str, data: dict[str, Any]
    ) -> tuple[Reply, str, Conversation | None]:
        """The reply to a linked customer's message or button, the URL of its image (or
        ""), and the conversation to remember (None when there is nothing new)."""
        if text.startswith("insight-stop:") and self.insight_stop is not None:
            return Reply(self.insight_stop(customer, text.partition(":")[2])), "", None
        if text.startswith(("alert-yes:", "alert-no:")) and self.alert_answers is not None:
            verdict, _, alert_id = text.partition(":")
            return Reply(self.alert_answers(customer, alert_id, verdict == "alert-yes")), "", None
        conversation = load_context(customer, CHANNEL, self._contexts.get(customer, CHANNEL, psid))
        if data.get("location"):
            latitude, longitude = data["location"]
            conversation.location = (float(latitude), float(longitude))
            text = text or "nearest atm"
        if not text:
            return Reply("I can read text and shared locations only."), "", None
        reply = self._assistant().respond(conversation, text).reply
        try:
            outgoing = self._discreet.outgoing(customer, reply.text, channel=CHANNEL)
        except OpenTellerError:  # erased by this very message: the reply carries no data
            outgoing = None
        image_url = ""
        if outgoing is not None and outgoing.discreet:
            reply = Reply(outgoing.text)
        elif reply.image_png:
            image_url = self._discreet.hold_image(customer, reply.image_png, channel=CHANNEL)
        return reply, image_url, conversation

    def _seal(self, psid: str, payload: str) -> str:
        """An opaque, short-lived, authenticated stand-in for a button's payload: the
        platform sees no words of ours, and a changed or replayed-late one is refused."""
        return self._sealer.seal(psid, payload)

    def _unseal(self, psid: str, token: str) -> str | None:
        return self._sealer.open(psid, token)

    def _sealed(self, psid: str, reply: Reply) -> Reply:
        return replace(
            reply,
            quick_replies=tuple(
                replace(q, payload=self._seal(psid, q.payload)) for q in reply.quick_replies
            ),
            buttons=tuple(
                replace(b, payload=self._seal(psid, b.payload)) if b.payload else b
                for b in reply.buttons
            ),
        )

    def _queued(
        self,
        key: str,
        psid: str,
        reply: Reply,
        *,
        image_url: str = "",
        messaging_type: str = "RESPONSE",
    ) -> _Write:
        """The write that queues ``reply`` to ``psid`` (rendered and encrypted now)."""
        messages = self._outbox_messages(
            key, psid, reply, image_url=image_url, messaging_type=messaging_type
        )
        return lambda conn: self._outbox.add_many(conn, CHANNEL, messages)

    def _outbox_messages(
        self,
        key: str,
        psid: str,
        reply: Reply,
        *,
        image_url: str = "",
        tag: str | None = None,
        messaging_type: str = "RESPONSE",
    ) -> list[tuple[str, bytes]]:
        """The outbox rows (id, encrypted Send API body) for ``reply`` to ``psid``: ids
        derive from ``key``, so handling the same event twice queues each reply once."""
        reply = self._sealed(psid, reply)
        bodies = render(psid, reply, image_url=image_url, tag=tag, messaging_type=messaging_type)
        digest = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        messages = []
        for index, body in enumerate(bodies):
            message_id = f"{digest}:{index}"
            if "message" in body:  # echoed back with the message: confirms the send
                body["message"]["metadata"] = ECHO_PREFIX + message_id
            payload = self._cipher.encrypt(json.dumps(body).encode(), f"outbox:{message_id}")
            messages.append((message_id, payload))
        return messages

    def deliver(self, limit: int = 50) -> int:
        """Send queued messages; returns how many were sent.

        A batch is claimed in one transaction and sent in waves: a wave takes the next
        message of up to ``concurrent_sends`` recipients, marks them ``sending`` in one
        transaction and makes their Send API calls at once (so one recipient's messages
        go one after another, in order, and no more than a wave is ever in doubt). The
        outcome is written in one more transaction."""
        with self._engine.begin() as conn:
            claimed = self._outbox.claim(conn, limit)
        if not claimed:
            return 0
        waiting: dict[str, deque[tuple[Claimed, dict[str, Any]]]] = {}
        for item in claimed:
            body = json.loads(self._cipher.decrypt(item.payload, f"outbox:{item.key}"))
            recipient = str(body.get("recipient", {}).get("id", ""))
            waiting.setdefault(recipient, deque()).append((item, body))
        outcomes = {recipient: _Sent() for recipient in waiting}
        while waiting:
            self._send_wave(waiting, outcomes)
        sent = [key for outcome in outcomes.values() for key in outcome.sent]
        in_transaction(
            self._engine, lambda conn: self._record_outcomes(conn, list(outcomes.values()))
        )
        return len(sent)

    def _send_wave(
        self,
        waiting: dict[str, deque[tuple[Claimed, dict[str, Any]]]],
        outcomes: dict[str, _Sent],
    ) -> None:
        """The next message of up to ``concurrent_sends`` recipients: marked ``sending``
        together (committed before any call), then sent at once."""
        wave: list[tuple[str, Claimed, dict[str, Any]]] = []
        for recipient in list(waiting)[: self._concurrent_sends]:
            item, body = waiting[recipient].popleft()
            if not waiting[recipient]:
                del waiting[recipient]
            wave.append((recipient, item, body))
        ours = in_transaction(
            self._engine,
            lambda conn: self._outbox.sending(conn, [item.key for _, item, _ in wave]),
        )
        # A message whose claim lapsed (another process took it) is not sent here.
        wave = [entry for entry in wave if entry[1].key in ours]
        failures = self._senders().map(lambda entry: self._try_send(entry[2]), wave)
        for (recipient, item, _), failure in zip(wave, failures, strict=True):
            outcome = outcomes[recipient]
            if failure is None:
                outcome.sent.append(item.key)
                continue
            outcome.failed = (item, failure)
            # Not tried: they go back to the queue, behind the failed one.
            outcome.untried = [later.key for later, _ in waiting.pop(recipient, ())]

    def _try_send(self, body: dict[str, Any]) -> SendFailed | None:
        try:
            self.sender.send(body)
        except SendFailed as exc:
            return exc
        return None

    def _record_outcomes(self, conn: Connection, outcomes: list[_Sent]) -> None:
        # Every row this writes is locked first, in id order, as a webhook post's echoes
        # lock theirs: the two never wait on each other.
        touched = [key for outcome in outcomes for key in outcome.touched()]
        self._outbox.lock(conn, touched)
        sent = [key for outcome in outcomes for key in outcome.sent]
        if sent:
            self._outbox.sent(conn, sent)
        for outcome in outcomes:
            if outcome.failed is None:
                continue
            item, exc = outcome.failed
            if exc.retryable and item.attempts < 10:
                at = self._outbox.retry_later(conn, item.key, item.attempts, str(exc))
            else:
                self._outbox.failed(conn, item.key, str(exc))
                at = datetime.now(UTC)
            # Not tried, so not in doubt: back in the queue behind the failed one.
            self._outbox.release(conn, outcome.untried, at)

    def _senders(self) -> ThreadPoolExecutor:
        if self._send_pool is None:
            self._send_pool = ThreadPoolExecutor(
                self._concurrent_sends, thread_name_prefix="openteller-send"
            )
        return self._send_pool

    # -- linking -------------------------------------------------------------------------
    def link(self, psid: str, customer: str, *, days: int = 90, actor: str = "bank") -> str:
        """Map a PSID to a customer and record their consent for Messenger."""
        view = self._consents.grant(
            customer,
            channel=CHANNEL,
            purposes=["customer_questions", "fraud_alerts"],
            scopes=["accounts", "balances", "transactions", "fraud_alerts", "atm_location"],
            days=days,
            actor=actor,
        )
        table = schema.messenger_links
        with self._engine.begin() as conn:
            handle = require_customer(self._store, conn, customer)
            conn.execute(
                delete(table).where(
                    and_(table.c.bank_id == self._store.bank_id, table.c.psid == psid)
                )
            )
            conn.execute(
                insert(table).values(
                    bank_id=self._store.bank_id,
                    psid=psid,
                    customer_id=handle.id,
                    consent_id=view.consent.id,
                    linked_at=datetime.now(UTC),
                )
            )
            self._audit.append(
                conn,
                actor=actor,
                action="messenger_linked",
                customer_ref=handle.id,
                detail={"consent": view.consent.id},
            )
        return view.consent.id

    def _opened_window(self, psid: str, conn: Connection) -> None:
        """The customer wrote: Messenger's 24-hour window for standard messages opens."""
        table = schema.messenger_links
        conn.execute(
            update(table)
            .where(and_(table.c.bank_id == self._store.bank_id, table.c.psid == psid))
            .values(last_inbound_at=datetime.now(UTC))
        )

    def linked_psids(self, customer: str, conn: Connection | None = None) -> list[tuple[str, bool]]:
        """The customer's linked PSIDs, each with whether its 24-hour window is open."""
        with self._engine.connect() if conn is None else contextlib.nullcontext(conn) as conn:
            rows = conn.execute(
                _LINKED_PSIDS, {"bank": self._store.bank_id, "customer": customer}
            ).all()
        cutoff = datetime.now(UTC) - STANDARD_WINDOW
        return [
            (row.psid, row.last_inbound_at is not None and as_utc(row.last_inbound_at) > cutoff)
            for row in rows
        ]

    def deliver_alerts(self, conn: Connection, deliveries: Sequence[AlertDelivery]) -> int:
        """Queue fraud alerts with "Was this you?" buttons to every linked PSID of their
        customers: inside Messenger's 24-hour window as a standard UPDATE message, outside
        it with the ACCOUNT_UPDATE tag (which the platform allows for fraud alerts). The
        customers' PSIDs, their discreet-mode choices and the messages take one statement
        each, however many alerts there are; returns the messages queued."""
        customer_ids = {delivery.customer.id for delivery in deliveries}
        linked = self._linked_psids_of(conn, customer_ids)
        discreet = ConsentStore().discreet_among(conn, linked)
        messages: list[tuple[str, bytes]] = []
        queued = 0
        for delivery in deliveries:
            psids = linked.get(delivery.customer.id, [])
            if not psids:
                continue
            alert, link = delivery.alert, None
            if delivery.customer.id in discreet:
                outgoing = self._discreet.outgoing(
                    delivery.customer,
                    f"{alert.amount} {alert.currency} at {alert.merchant}",
                    channel=CHANNEL,
                    conn=conn,
                    discreet=True,
                )
                link = outgoing.link if outgoing.discreet else None
            reply = Reply(
                alert_question(alert, link),
                quick_replies=tuple(
                    QuickReply(title, f"{verb}{delivery.alert_id}") for title, verb in ANSWERS
                ),
            )
            for psid, window_open in psids:
                messages += self._outbox_messages(
                    f"alert:{delivery.alert_id}:{psid}",
                    psid,
                    reply,
                    tag=None if window_open else "ACCOUNT_UPDATE",
                    messaging_type="UPDATE",
                )
                queued += 1
        self._outbox.add_many(conn, CHANNEL, messages)
        return queued

    def _linked_psids_of(
        self, conn: Connection, customer_ids: set[str]
    ) -> dict[str, list[tuple[str, bool]]]:
        """:meth:`linked_psids` of several customers (by internal id), in one statement."""
        if not customer_ids:
            return {}
        rows = conn.execute(
            _LINKED_PSIDS_OF, {"bank": self._store.bank_id, "customers": sorted(customer_ids)}
        )
        cutoff = datetime.now(UTC) - STANDARD_WINDOW
        linked: dict[str, list[tuple[str, bool]]] = {}
        for row in rows:
            window_open = row.last_inbound_at is not None and as_utc(row.last_inbound_at) > cutoff
            linked.setdefault(row.customer_id, []).append((row.psid, window_open))
        return linked

    def deliver_insight(self, customer: str, notice: str, text: str, stop: str) -> int:
        """Queue an insight with a "Stop these" button, only to the customer's PSIDs whose
        24-hour window is open (no message tag covers insights)."""
        reply = Reply(text, quick_replies=(QuickReply("Stop these", stop),))
        queues = [
            self._queued(f"{notice}:{psid}", psid, reply, messaging_type="UPDATE")
            for psid, window_open in self.linked_psids(customer)
            if window_open
        ]
        if queues:
            with self._engine.begin() as conn:
                for queue in queues:
                    queue(conn)
        return len(queues)

    def issue_link_code(self, customer: str) -> str:
        """A one-time code for the signed-in customer, handed to Messenger at linking."""
        code = secrets.token_urlsafe(32)
        with self._engine.begin() as conn:
            handle = require_customer(self._store, conn, customer)
            conn.execute(
                insert(schema.link_codes).values(
                    code_hash=_code_hash(code),
                    bank_id=self._store.bank_id,
                    customer_id=handle.id,
                    expires_at=datetime.now(UTC) + LINK_CODE_LIFETIME,
                )
            )
        return code

    def _linked(self, psid: str, code: str) -> None:
        table = schema.link_codes
        with self._engine.begin() as conn:
            row = conn.execute(
                select(table.c.customer_id, table.c.expires_at, schema.customers.c.external_id)
                .join(schema.customers, schema.customers.c.id == table.c.customer_id)
                .where(
                    and_(
                        table.c.code_hash == _code_hash(code),
                        table.c.bank_id == self._store.bank_id,
                    )
                )
            ).first()
            conn.execute(delete(table).where(table.c.code_hash == _code_hash(code)))
        expires = row.expires_at if row is not None else None
        if expires is not None and expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        if row is None or expires is None or expires < datetime.now(UTC):
            self._dropped("bad_link_code", "an unknown, used or expired authorization code")
            return
        self.link(psid, str(row.external_id), actor="customer:messenger")

    def unlink(self, psid: str) -> bool:
        """Forget the PSID and revoke the customer's Messenger consents."""
        customer = self._customer_of(psid)
        if customer is None:
            return False
        table = schema.messenger_links
        with self._engine.begin() as conn:
            conn.execute(
                delete(table).where(
                    and_(table.c.bank_id == self._store.bank_id, table.c.psid == psid)
                )
            )
        for view in self._consents.list(customer):
            if view.consent.channel == CHANNEL and view.status.value in (
                "Authorised",
                "AwaitingAuthorisation",
            ):
                self._consents.revoke(customer, view.consent.id, actor="customer:messenger")
        self._contexts.forget(CHANNEL, psid)
        return True


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
