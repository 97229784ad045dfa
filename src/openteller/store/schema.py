"""Table definitions (SQLAlchemy Core). Migrations in ``store/migrations`` create them.

What is plaintext and why: ids, the bank's customer reference (needed to find the
customer), account type and currency, booking months of ledger blocks, balance kinds and
times. Everything that says what a customer spent, where and how much is ciphertext
under the customer's data key: account names and masks, balances, and all transaction
fields (in ledger blocks).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

metadata = MetaData()

banks = Table(
    "banks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("master_key_id", String(64), nullable=False),
    Column("key_check", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("bank_id", String(64), ForeignKey("banks.id"), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("master_key_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
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
