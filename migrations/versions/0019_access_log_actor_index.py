"""An index on the access log by reader (issue 12): "since your last visit" asks for one person's own latest
web reads; without it the query walks the household's whole log.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_access_log_actor", "access_log", ["household_id", "actor_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_access_log_actor", "access_log")
