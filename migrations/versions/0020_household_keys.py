"""Household signing keys and pinned public keys in the database (issue 15): every node's GnuPG home is a cache
rebuilt from here; private keys sealed under the key-encryption key.

Existing deployments fill the tables on first use: a household key found in the local keyring is sealed and
stored the first time it signs, a pinned public key the local keyring holds is stored at start-up.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "household_key",
        sa.Column("household_code", sa.String(32), primary_key=True),
        sa.Column("fingerprint", sa.String(40), nullable=False),
        sa.Column("public_armored", sa.Text(), nullable=False),
        sa.Column("sealed_secret", sa.LargeBinary(), nullable=False),
        sa.Column("kek_id", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "public_key",
        sa.Column("fingerprint", sa.String(40), primary_key=True),
        sa.Column("armored", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("public_key")
    op.drop_table("household_key")
