"""Channels: Messenger links and linking codes, the webhook inbox and the outbox.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "messenger_links",
        sa.Column("bank_id", sa.String(64), primary_key=True),
        sa.Column("psid", sa.String(64), primary_key=True),
        sa.Column(
            "customer_id",
            sa.String(32),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("consent_id", sa.String(32), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_messenger_links_customer_id", "messenger_links", ["customer_id"])
    op.create_table(
        "channel_inbox",
        sa.Column("bank_id", sa.String(64), primary_key=True),
        sa.Column("event_key", sa.String(200), primary_key=True),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
    )
    op.create_index("ix_channel_inbox_status", "channel_inbox", ["status"])
    op.create_table(
        "channel_outbox",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("bank_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text, nullable=False),
    )
    op.create_index("ix_channel_outbox_bank_id", "channel_outbox", ["bank_id"])
    op.create_index("ix_channel_outbox_status", "channel_outbox", ["status"])
    op.create_table(
        "link_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("bank_id", sa.String(64), nullable=False),
        sa.Column(
            "customer_id",
            sa.String(32),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_link_codes_customer_id", "link_codes", ["customer_id"])


def downgrade() -> None:
    for table in ("link_codes", "channel_outbox", "channel_inbox", "messenger_links"):
        op.drop_table(table)
