"""Initial schema: households, phase history, betrokkenen, plan versions and section blobs.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "household",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("gemeente", sa.String(length=100), nullable=False),
        sa.Column("phase", sa.Integer(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "betrokkene",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("relation", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("reachable_days", sa.String(length=40), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("betrokkene", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_betrokkene_household_id"), ["household_id"], unique=False)

    op.create_table(
        "phase_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("from_phase", sa.Integer(), nullable=True),
        sa.Column("to_phase", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_betrokkene_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("phase_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phase_change_household_id"), ["household_id"], unique=False)

    op.create_table(
        "plan_version",
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.String(length=1000), nullable=False),
        sa.Column("changed_sections", sa.String(length=200), nullable=False),
        sa.Column("section_hashes", sa.Text(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("vastgesteld_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("vastgesteld_by", sa.String(length=36), nullable=True),
        sa.Column("vastgesteld_overleg", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.PrimaryKeyConstraint("household_id", "number"),
    )
    op.create_table(
        "section_blob",
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.PrimaryKeyConstraint("household_id", "hash"),
    )


def downgrade() -> None:
    op.drop_table("section_blob")
    op.drop_table("plan_version")
    with op.batch_alter_table("phase_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phase_change_household_id"))

    op.drop_table("phase_change")
    with op.batch_alter_table("betrokkene", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_betrokkene_household_id"))

    op.drop_table("betrokkene")
    op.drop_table("household")
