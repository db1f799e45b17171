"""The household's journaal (issue 14 item 6): messages members wrote to a group address.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journaal_message",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id"), nullable=False),
        sa.Column("group_id", sa.String(36), nullable=True),
        sa.Column("author_id", sa.String(36), sa.ForeignKey("betrokkene.id"), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("had_attachments", sa.Boolean(), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_journaal_message_household_id", "journaal_message", ["household_id"])


def downgrade() -> None:
    op.drop_index("ix_journaal_message_household_id", "journaal_message")
    op.drop_table("journaal_message")
