"""Who added a sign-in address someone else added; sessions obtained through it are not personal (issue 10).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signin_session") as batch:
        batch.add_column(sa.Column("issued_by", sa.String(36), nullable=True))
    op.create_table(
        "signin_address_origin",
        sa.Column(
            "betrokkene_id",
            sa.String(36),
            sa.ForeignKey("betrokkene.id", name="fk_signin_address_origin_betrokkene"),
            primary_key=True,
        ),
        sa.Column("added_by", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    # addresses added by someone else and confirmed before this revision kept their provenance in contact_change
    op.execute(
        "INSERT INTO signin_address_origin (betrokkene_id, added_by, created_at) "
        "SELECT c.betrokkene_id, MIN(c.requested_by), MIN(c.created_at) FROM contact_change c "
        "WHERE c.field = 'email' AND c.step = 'confirm' AND c.requested_by <> c.betrokkene_id "
        "GROUP BY c.betrokkene_id"
    )


def downgrade() -> None:
    op.drop_table("signin_address_origin")
    with op.batch_alter_table("signin_session") as batch:
        batch.drop_column("issued_by")
