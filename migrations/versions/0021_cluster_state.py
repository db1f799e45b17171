"""State every node shares (issue 15): rate-limit buckets and once-per-period job claims.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled in by the change that owns this revision


def downgrade() -> None:
    pass
