"""Overleggen, date polls and attendance.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "overleg",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("video_link", sa.String(length=200), nullable=True),
        sa.Column("chair_id", sa.String(length=36), nullable=True),
        sa.Column("minute_taker_id", sa.String(length=36), nullable=True),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("uid", sa.String(length=255), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("initiated_on", sa.Date(), nullable=True),
        sa.Column("outside_window_reason", sa.String(length=2000), nullable=True),
        sa.Column("decisions", sa.Text(), nullable=True),
        sa.Column("adopted_version", sa.Integer(), nullable=True),
        sa.Column("next_overleg_id", sa.String(length=36), nullable=True),
        sa.Column("no_next_reason", sa.String(length=2000), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
    )
    op.create_index("ix_overleg_household_id", "overleg", ["household_id"], unique=False)
    op.create_index("ix_overleg_status_start", "overleg", ["status", "start_at"], unique=False)
    op.create_table(
        "overleg_invitee",
        sa.Column("overleg_id", sa.String(length=36), nullable=False),
        sa.Column("betrokkene_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("must_attend", sa.Boolean(), nullable=False),
        sa.Column("partstat", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["overleg_id"],
            ["overleg.id"],
        ),
        sa.PrimaryKeyConstraint("overleg_id", "betrokkene_id"),
    )
    op.create_table(
        "date_poll",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("invitees", sa.Text(), nullable=False),
        sa.Column("initiated_on", sa.Date(), nullable=True),
        sa.Column("outside_window_reason", sa.String(length=2000), nullable=True),
        sa.Column("overleg_id", sa.String(length=36), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_date_poll_household_id", "date_poll", ["household_id"], unique=False)
    op.create_table(
        "date_poll_option",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("poll_id", sa.String(length=36), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["date_poll.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_date_poll_option_poll_id", "date_poll_option", ["poll_id"], unique=False)
    op.create_table(
        "date_poll_vote",
        sa.Column("option_id", sa.String(length=36), nullable=False),
        sa.Column("betrokkene_id", sa.String(length=36), nullable=False),
        sa.Column("poll_id", sa.String(length=36), nullable=False),
        sa.Column("vote", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["date_poll_option.id"],
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["date_poll.id"],
        ),
        sa.PrimaryKeyConstraint("option_id", "betrokkene_id"),
    )
    op.create_index("ix_date_poll_vote_poll_id", "date_poll_vote", ["poll_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_date_poll_vote_poll_id", table_name="date_poll_vote")
    op.drop_table("date_poll_vote")
    op.drop_index("ix_date_poll_option_poll_id", table_name="date_poll_option")
    op.drop_table("date_poll_option")
    op.drop_index("ix_date_poll_household_id", table_name="date_poll")
    op.drop_table("date_poll")
    op.drop_table("overleg_invitee")
    op.drop_index("ix_overleg_status_start", table_name="overleg")
    op.drop_index("ix_overleg_household_id", table_name="overleg")
    op.drop_table("overleg")
