"""RESERVED for the PostgreSQL hot read (household generation); filled in by its owner.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01
"""

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet (reserved)."""


def downgrade() -> None:
    """Nothing yet (reserved)."""
