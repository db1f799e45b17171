"""RESERVED for the security follow-ups (issue 15/14 leftovers); filled in by its owner.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01
"""

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet (reserved)."""


def downgrade() -> None:
    """Nothing yet (reserved)."""
