"""What the household's pages need (issue 12).

- `consent_approval`: a paper consent form recorded by a regisseur on behalf of the klant who signed it
  (`recorded_by`, the date on the form, the form's reference); NULL for answers the klant gave themselves.
- `betrokkene.mail_choice`: what the mailgroup sends this person — `plan` (the plan, encrypted, when a usable
  key is pinned; a content-free notice otherwise) or `meldingen` (only content-free notices, even with a key).
- `calendar_feed`: a person's secret, revocable calendar subscription URL (only the SHA-256 of its token).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consent_approval") as batch:
        batch.add_column(sa.Column("recorded_by", sa.String(36), nullable=True))
        batch.add_column(sa.Column("form_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("form_reference", sa.String(100), nullable=True))
    with op.batch_alter_table("betrokkene") as batch:
        batch.add_column(sa.Column("mail_choice", sa.String(20), nullable=False, server_default="plan"))
    op.create_table(
        "calendar_feed",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id"), nullable=False),
        sa.Column("betrokkene_id", sa.String(36), sa.ForeignKey("betrokkene.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_calendar_feed_betrokkene_id", "calendar_feed", ["betrokkene_id"])


def downgrade() -> None:
    op.drop_index("ix_calendar_feed_betrokkene_id", "calendar_feed")
    op.drop_table("calendar_feed")
    with op.batch_alter_table("betrokkene") as batch:
        batch.drop_column("mail_choice")
    with op.batch_alter_table("consent_approval") as batch:
        batch.drop_column("form_reference")
        batch.drop_column("form_date")
        batch.drop_column("recorded_by")
