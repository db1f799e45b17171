"""Who must consent is stored with the request; a revocation list for API and monitoring tokens.

`consent.required` holds the betrokkene ids whose answer the request needs, fixed when it is made (and
recomputed only when a change to the people re-opens it). Rows from before this revision have NULL and
are computed from the current people until they are next touched.

`token_revocation` lists revoked JWT ids (`jti`) per scope (the household id, or `monitoring`) until the
token would have expired anyway.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consent") as batch:
        batch.add_column(sa.Column("required", sa.Text(), nullable=True))
    op.create_table(
        "token_revocation",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=36), nullable=False),
        sa.Column("revoked_by", sa.String(length=36), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti", "scope"),
    )


def downgrade() -> None:
    op.drop_table("token_revocation")
    with op.batch_alter_table("consent") as batch:
        batch.drop_column("required")
