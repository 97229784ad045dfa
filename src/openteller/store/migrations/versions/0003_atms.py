"""ATM locations: each bank's cash machines (bank data, plaintext), replaced whole on load.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "atms",
        sa.Column(
            "bank_id",
            sa.String(64),
            sa.ForeignKey("banks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("atm_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("brand", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("town", sa.Text, nullable=False),
        sa.Column("region", sa.Text, nullable=False),
        sa.Column("postcode", sa.Text, nullable=False),
        sa.Column("country", sa.Text, nullable=False),
        sa.Column("latitude_e7", sa.Integer, nullable=False),
        sa.Column("longitude_e7", sa.Integer, nullable=False),
        sa.Column("timezone", sa.Text, nullable=True),
        sa.Column("open_24h", sa.Boolean, nullable=True),
        sa.Column("opening_hours", sa.Text, nullable=True),
        sa.Column("deposits", sa.Boolean, nullable=True),
        sa.Column("accessible", sa.Boolean, nullable=True),
        sa.Column("fee_free", sa.Boolean, nullable=True),
        sa.Column("services", sa.Text, nullable=False),
        sa.Column("accessibility", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_atms_latitude_e7", "atms", ["latitude_e7"])


def downgrade() -> None:
    op.drop_index("ix_atms_latitude_e7", table_name="atms")
    op.drop_table("atms")
