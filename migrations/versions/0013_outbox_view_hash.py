"""The outbox remembers what each sent plan update showed its recipient (issue 14).

`view_hash` is a hash of the recipient's scoped view of that version (never the content itself): a
new version whose view for this recipient hashes the same as the last one sent is skipped, so nobody
learns from their inbox that the plan is busy when nothing they can see changed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_outbox") as batch:
        batch.add_column(sa.Column("view_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mail_outbox") as batch:
        batch.drop_column("view_hash")
