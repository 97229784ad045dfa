"""Table definitions (SQLAlchemy Core). Migrations in ``store/migrations`` create them.

Customer data keys are not here: they live in the separate key store
(``store.keystore``), so that a backup of this database cannot be decrypted once a
customer's key has been shredded.

What is plaintext and why: ids, the bank's customer reference (needed to find the
customer), account type and currency, booking months of ledger blocks, balance kinds and
times. Everything that says what a customer spent, where and how much is ciphertext
under the customer's data key: account names and masks, balances, and all transaction
fields (in ledger blocks).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

banks = Table(
    "banks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("bank_id", String(64), ForeignKey("banks.id"), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Set when erasure starts; such a customer is never read again and the erasure is
    # finished by the next `openteller erase` or start-up (see services.erasure).
    Column("erase_requested_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("bank_id", "external_id", name="uq_customers_bank_external"),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "customer_id",
        String(32),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("fingerprint", String(32), nullable=False),
    Column("type", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("details", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("customer_id", "fingerprint", name="uq_accounts_customer_fingerprint"),
)

balances = Table(
    "balances",
    metadata,
    Column(
        "account_id", String(32), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("kind", String(10), primary_key=True),
    Column("as_of", DateTime(timezone=True), primary_key=True),
    Column(
        "customer_id",
        String(32),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("payload", LargeBinary, nullable=False),
)

ledger_blocks = Table(
    "ledger_blocks",
    metadata,
    Column(
        "account_id", String(32), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("month", Integer, primary_key=True),  # yyyymm
    Column(
        "customer_id",
        String(32),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("version", Integer, nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("numeric", LargeBinary, nullable=False),
    Column("details", LargeBinary, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

category_rules = Table(
    "category_rules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "customer_id",
        String(32),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

consents = Table(
    "consents",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "customer_id",
        String(32),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("channel", String(40), nullable=False),
    Column("purposes", String(200), nullable=False),  # comma-separated Purpose values
    Column("scopes", String(200), nullable=False),  # comma-separated Scope values
    Column("status", String(30), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("status_changed_at", DateTime(timezone=True), nullable=False),
    Column("transactions_from", Date, nullable=True),
    Column("transactions_until", Date, nullable=True),
)

#: The hash-chained audit log, one chain per bank. Rows carry no customer plaintext:
#: the customer is named by the opaque internal id, details are ids, purposes, scopes,
#: dates and counts, so the chain still verifies after a customer is erased.
audit_log = Table(
    "audit_log",
    metadata,
    Column("bank_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),  # ISO 8601 UTC, hashed as written
    Column("actor", String(80), nullable=False),
    Column("action", String(40), nullable=False),
    Column("customer_ref", String(32), nullable=False, index=True),
    Column("purpose", String(40), nullable=False),
    Column("scope", String(40), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("detail", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

#: The newest entry of each bank's chain; appends lock this row, so concurrent
#: processes append one after the other.
audit_heads = Table(
    "audit_heads",
    metadata,
    Column("bank_id", String(64), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

#: Ed25519 signatures over (bank, seq, hash) of the chain at regular intervals.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("bank_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
    Column("signed_at", String(40), nullable=False),
    Column("signature", LargeBinary, nullable=False),
)

#: Per-customer privacy preferences (discreet mode); plaintext flags, no data.
customer_preferences = Table(
    "customer_preferences",
    metadata,
    Column(
        "customer_id",
        String(32),
        ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("discreet", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

#: Answers held back from a messaging platform in discreet mode, until the customer
#: opens the short-lived link on the bank's side (encrypted under the customer's key).
pending_replies = Table(
    "pending_replies",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "customer_id",
        String(32),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("payload", LargeBinary, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

#: Bank data, not customer data: each bank's ATM locations (plaintext by design), replaced
#: whole by a load (``services.atms``). Coordinates are integer degrees x 10^7: OBIE's seven
#: decimals, exact on every backend and cheap to compare in a bounding-box query. Lists
#: (services, accessibility features) are JSON arrays; ``opening_hours`` uses the syntax of
#: ``atm.opening``; a NULL flag means the bank's file did not say.
atms = Table(
    "atms",
    metadata,
    Column("bank_id", String(64), ForeignKey("banks.id", ondelete="CASCADE"), primary_key=True),
    Column("atm_id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("brand", Text, nullable=False),
    Column("address", Text, nullable=False),
    Column("town", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("postcode", Text, nullable=False),
    Column("country", Text, nullable=False),
    Column("latitude_e7", Integer, nullable=False, index=True),
    Column("longitude_e7", Integer, nullable=False),
    Column("timezone", Text, nullable=True),
    Column("open_24h", Boolean, nullable=True),
    Column("opening_hours", Text, nullable=True),
    Column("deposits", Boolean, nullable=True),
    Column("accessible", Boolean, nullable=True),
    Column("fee_free", Boolean, nullable=True),
    Column("services", Text, nullable=False),
    Column("accessibility", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)

#: The simulated bank core's card controls (demo and tests): whether a card is frozen.
card_controls = Table(
    "card_controls",
    metadata,
    Column(
        "account_id", String(32), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "customer_id",
        String(32),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("frozen", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

#: Questions handed to a person at the bank. The question is encrypted under the
#: customer's key (it may hold personal details); status and times are plaintext.
handoffs = Table(
    "handoffs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("bank_id", String(64), nullable=False, index=True),
    Column(
        "customer_id",
        String(32),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("channel", String(40), nullable=False),
    Column("intent", String(40), nullable=False),
    Column("question", LargeBinary, nullable=False),
    Column("status", String(20), nullable=False),  # open | claimed | closed
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: Messenger page-scoped user ids linked to customers: the only place the platform's id
#: and the bank's customer meet. Unlinking (or erasure) deletes the row.
messenger_links = Table(
    "messenger_links",
    metadata,
    Column("bank_id", String(64), primary_key=True),
    Column("psid", String(64), primary_key=True),
    Column(
        "customer_id",
        String(32),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("consent_id", String(32), nullable=True),
    Column("linked_at", DateTime(timezone=True), nullable=False),
    #: When the customer last wrote from this PSID: Messenger's 24-hour window opens then.
    Column("last_inbound_at", DateTime(timezone=True), nullable=True),
)

#: Webhook events received and not yet handled (the inbox), keyed by Meta's delivery id
#: so retried deliveries are stored once. Payloads are encrypted with the bank's queue key.
channel_inbox = Table(
    "channel_inbox",
    metadata,
    Column("bank_id", String(64), primary_key=True),
    Column("event_key", String(200), primary_key=True),
    Column("channel", String(40), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("status", String(20), nullable=False, index=True),  # pending | working | done | failed
    Column("attempts", Integer, nullable=False),
    Column("claimed_until", DateTime(timezone=True), nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("error", Text, nullable=False),
)

#: Messages to send (the outbox): durable, retried with backoff, sent at least once and
#: deduplicated by ``id``. Payloads are encrypted with the bank's queue key.
channel_outbox = Table(
    "channel_outbox",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("bank_id", String(64), nullable=False, index=True),
    Column("channel", String(40), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("status", String(20), nullable=False, index=True),  # pending | working | sent | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("error", Text, nullable=False),
)

#: One-time codes of the account-linking flow: the bank's login page issues one for the
#: signed-in customer, Messenger hands it back with the user's PSID. Only a hash is kept.
link_codes = Table(
    "link_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("bank_id", String(64), nullable=False),
    Column(
        "customer_id",
        String(32),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

#: A conversation's context (follow-ups, an action awaiting yes), so that any process
#: can answer the next message. Encrypted under the customer's key; short-lived.
conversations = Table(
    "conversations",
    metadata,
    Column("bank_id", String(64), primary_key=True),
    Column("channel", String(40), primary_key=True),
    Column("subject", String(64), primary_key=True),  # e.g. the Messenger PSID
    Column(
        "customer_id",
        String(32),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("payload", LargeBinary, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

#: Fraud alerts from the bank: the alert itself is encrypted under the customer's key;
#: status and times are plaintext so the bank can follow the alert's life.
fraud_alerts = Table(
    "fraud_alerts",
    metadata,
    Column("bank_id", String(64), primary_key=True),
    Column("alert_id", String(64), primary_key=True),
    Column(
        "customer_id",
        String(32),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("payload", LargeBinary, nullable=False),
    Column("status", String(20), nullable=False),  # delivered | confirmed | denied
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("answered_at", DateTime(timezone=True), nullable=True),
    #: When the bank acknowledged the answer's callback (None: still to report).
    Column("reported_at", DateTime(timezone=True), nullable=True),
    #: When the bank acknowledged the "no answer yet" escalation (SMS, phone call).
    Column("escalated_at", DateTime(timezone=True), nullable=True),
)

#: Signed requests from the bank already seen (idempotency keys), to refuse replays.
bank_requests = Table(
    "bank_requests",
    metadata,
    Column("bank_id", String(64), primary_key=True),
    Column("idempotency_key", String(100), primary_key=True),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)

#: Messages for the bank's own web chat (fraud alerts, insights), kept until the signed-in
#: customer's browser has received them (pushed live by server-sent events, or shown when
#: the chat next opens). Payloads are encrypted under the customer's key.
web_notices = Table(
    "web_notices",
    metadata,
    Column("bank_id", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column(
        "customer_id",
        String(32),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
)

#: The customer's choices about proactive insights: a kind they stopped ("stop these"),
#: and settings such as the low-balance threshold.
insight_settings = Table(
    "insight_settings",
    metadata,
    Column(
        "customer_id",
        String(32),
        ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kind", String(40), primary_key=True),
    Column("muted", Boolean, nullable=False),
    Column("threshold", String(40), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

#: Insights already offered (by their key), so the same one is never offered twice.
insights_sent = Table(
    "insights_sent",
    metadata,
    Column(
        "customer_id",
        String(32),
        ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("insight_key", String(200), primary_key=True),
    Column("sent_at", DateTime(timezone=True), nullable=False),
)

#: Periodic jobs (e.g. checking insights): when each is next due, per bank. Every process
#: may run them; the one whose conditional update moves ``next_run_at`` on runs it.
job_runs = Table(
    "job_runs",
    metadata,
    Column("bank_id", String(64), primary_key=True),
    Column("name", String(40), primary_key=True),
    Column("next_run_at", DateTime(timezone=True), nullable=False),
)
