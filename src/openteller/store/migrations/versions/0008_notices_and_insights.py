"""Web chat notices, insight settings and offered insights; Messenger's 24-hour window.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messenger_links") as batch:
        batch.add_column(sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "web_notices",
        sa.Column("bank_id", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "customer_id",
            sa.String(32),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_web_notices_customer_id", "web_notices", ["customer_id"])
    op.create_table(
        "insight_settings",
        sa.Column(
            "customer_id",
            sa.String(32),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("muted", sa.Boolean, nullable=False),
        sa.Column("threshold", sa.String(40), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "insights_sent",
        sa.Column(
            "customer_id",
            sa.String(32),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("insight_key", sa.String(200), primary_key=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("insights_sent")
    op.drop_table("insight_settings")
    op.drop_index("ix_web_notices_customer_id", "web_notices")
    op.drop_table("web_notices")
    with op.batch_alter_table("messenger_links") as batch:
        batch.drop_column("last_inbound_at")
