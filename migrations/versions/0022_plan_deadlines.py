"""The events the method's plan deadlines count from (issue 13): a request to put the plan in writing (14 days) and
the decision not to make a familiegroepsplan (6 weeks).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_deadline_event",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("asked_by", sa.String(36), sa.ForeignKey("betrokkene.id"), nullable=True),
        sa.Column("recorded_by", sa.String(36), sa.ForeignKey("betrokkene.id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_plan_deadline_event_household_id", "plan_deadline_event", ["household_id"])


def downgrade() -> None:
    op.drop_index("ix_plan_deadline_event_household_id", "plan_deadline_event")
    op.drop_table("plan_deadline_event")
