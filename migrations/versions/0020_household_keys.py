"""Household signing keys and pinned public keys in the database (issue 15): every node's GnuPG home is a cache
rebuilt from here; private keys sealed under the key-encryption key.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled in by the change that owns this revision


def downgrade() -> None:
    pass
