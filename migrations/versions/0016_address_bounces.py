"""Bounce scores per betrokkene (issue 14): VERP return paths make each bounce attributable.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "address_bounce",
        sa.Column("betrokkene_id", sa.String(36), sa.ForeignKey("betrokkene.id"), primary_key=True),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id"), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("last_bounce_on", sa.Date(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_address_bounce_household_id", "address_bounce", ["household_id"])


def downgrade() -> None:
    op.drop_index("ix_address_bounce_household_id", "address_bounce")
    op.drop_table("address_bounce")
