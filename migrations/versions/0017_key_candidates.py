"""Keys offered by mail (issue 14): an Autocrypt header on a member's mail becomes a candidate the owner confirms
on their page — never pinned by itself. One candidate per betrokkene (the latest offer).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_candidate",
        sa.Column("betrokkene_id", sa.String(36), sa.ForeignKey("betrokkene.id"), primary_key=True),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id"), nullable=False),
        sa.Column("fingerprint", sa.String(40), nullable=False),
        sa.Column("armored", sa.Text(), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("key_candidate")
