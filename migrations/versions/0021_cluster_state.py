"""State every node shares (issue 15): rate-limit buckets and once-per-period job claims.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # UNLOGGED on PostgreSQL: not written to the WAL (cheap to update on every sign-in attempt); after a
    # crash the buckets are empty, i.e. full, which only loosens a limit for one window
    unlogged = ["UNLOGGED"] if op.get_bind().dialect.name == "postgresql" else []
    op.create_table(
        "rate_bucket",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("tokens", sa.Double(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        prefixes=unlogged,
    )
    op.create_table(
        "job_claim",
        sa.Column("job", sa.String(length=100), primary_key=True),
        sa.Column("period", sa.String(length=40), primary_key=True),
        sa.Column("node", sa.String(length=100), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_claim")
    op.drop_table("rate_bucket")
