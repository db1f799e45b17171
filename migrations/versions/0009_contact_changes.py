"""Pending changes of sign-in addresses made by someone else (issue 10, item 1).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "contact_change",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "betrokkene_id",
            sa.String(36),
            sa.ForeignKey("betrokkene.id", name="fk_contact_change_betrokkene"),
            nullable=False,
        ),
        sa.Column("household_id", sa.String(36), nullable=False),
        sa.Column("field", sa.String(20), nullable=False),
        sa.Column("step", sa.String(10), nullable=False),
        sa.Column("old_value", sa.String(254), nullable=True),
        sa.Column("new_value", sa.String(254), nullable=True),
        sa.Column("requested_by", sa.String(36), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("closed_at", nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
    )
    op.create_index("ix_contact_change_betrokkene_id", "contact_change", ["betrokkene_id"])


def downgrade() -> None:
    op.drop_index("ix_contact_change_betrokkene_id", table_name="contact_change")
    op.drop_table("contact_change")
