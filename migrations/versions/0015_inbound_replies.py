"""Mail that comes back to the group addresses (issue 14): handled messages, answers by mail, proposals.

`inbound_message` keeps only the SHA-256 of a message's Message-ID and recipient (a redelivery by the
MTA is then a duplicate), `overleg_mail_answer` an invitee's latest iMIP REPLY and whether their pinned
key signed it, `overleg_proposal` an iMIP COUNTER's proposed time. No subject, body or address.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "inbound_message",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("household_id", sa.String(36), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        _ts("received_at"),
    )
    op.create_table(
        "overleg_mail_answer",
        sa.Column("overleg_id", sa.String(36), sa.ForeignKey("overleg.id"), primary_key=True),
        sa.Column("betrokkene_id", sa.String(36), primary_key=True),
        sa.Column("partstat", sa.String(20), nullable=False),
        sa.Column("signed", sa.Boolean(), nullable=False),
        _ts("received_at"),
    )
    op.create_table(
        "overleg_proposal",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("overleg_id", sa.String(36), sa.ForeignKey("overleg.id"), nullable=False),
        sa.Column("betrokkene_id", sa.String(36), nullable=False),
        _ts("start_at"),
        _ts("end_at"),
        sa.Column("signed", sa.Boolean(), nullable=False),
        _ts("received_at"),
    )
    op.create_index("ix_overleg_proposal_overleg_id", "overleg_proposal", ["overleg_id"])


def downgrade() -> None:
    op.drop_index("ix_overleg_proposal_overleg_id", "overleg_proposal")
    op.drop_table("overleg_proposal")
    op.drop_table("overleg_mail_answer")
    op.drop_table("inbound_message")
