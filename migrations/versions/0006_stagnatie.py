"""Stagnatie: escalation cases and steps, aanspreekpunten, escalation grants, exclusions, reminders, safety signals.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "aanspreekpunt",
        sa.Column("gemeente_key", sa.String(length=100), nullable=False),
        sa.Column("gemeente", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("fingerprint", sa.String(length=40), nullable=False),
        sa.Column("algorithm", sa.String(length=40), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("gemeente_key"),
    )
    op.create_table(
        "stagnatie_case",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("doel_id", sa.String(length=64), nullable=False),
        sa.Column("actie_id", sa.String(length=64), nullable=True),
        sa.Column("betrokkene_id", sa.String(length=36), nullable=True),
        sa.Column("organisatie", sa.String(length=200), nullable=False),
        sa.Column("toelichting", sa.Text(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened_by", sa.String(length=36), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("solved_on", sa.Date(), nullable=True),
        sa.Column("solved_step", sa.Integer(), nullable=True),
        sa.Column("aanspreekpunt_id", sa.String(length=36), nullable=True),
        sa.Column("afgeschaald_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stagnatie_case_household_id", "stagnatie_case", ["household_id"], unique=False)
    op.create_table(
        "stagnatie_step",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("started_by", sa.String(length=36), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("ended_by", sa.String(length=20), nullable=True),
        sa.Column("intern_plan_on", sa.Date(), nullable=True),
        sa.Column("gesprek_on", sa.Date(), nullable=True),
        sa.Column("acties", sa.Text(), nullable=True),
        sa.Column("resultaat", sa.Text(), nullable=True),
        sa.Column("termijn", sa.Date(), nullable=True),
        sa.Column("acties_on", sa.Date(), nullable=True),
        sa.Column("commitment_on", sa.Date(), nullable=True),
        sa.Column("afspraken", sa.Text(), nullable=True),
        sa.Column("plan_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["stagnatie_case.id"],
        ),
        sa.PrimaryKeyConstraint("case_id", "step"),
    )
    op.create_table(
        "stagnatie_reminder",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.String(length=20), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["stagnatie_case.id"],
        ),
        sa.PrimaryKeyConstraint("case_id", "step", "deadline", "due"),
    )
    op.create_table(
        "escalatie_grant",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("grantee_id", sa.String(length=36), nullable=False),
        sa.Column("sections", sa.String(length=200), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["grantee_id"],
            ["betrokkene.id"],
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_escalatie_grant_household_id", "escalatie_grant", ["household_id"], unique=False)
    op.create_index("ix_escalatie_grant_grantee_id", "escalatie_grant", ["grantee_id"], unique=False)
    op.create_table(
        "aanspreekpunt_uitsluiting",
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("sections", sa.String(length=200), nullable=False),
        sa.Column("set_by", sa.String(length=36), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.PrimaryKeyConstraint("household_id"),
    )
    op.create_table(
        "veiligheid_signaal",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("soort", sa.String(length=30), nullable=False),
        sa.Column("toelichting", sa.Text(), nullable=False),
        sa.Column("phase", sa.Integer(), nullable=False),
        sa.Column("raised_by", sa.String(length=36), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("resolved_by", sa.String(length=36), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("afwegingen", sa.Text(), nullable=True),
        sa.Column("besluit", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_veiligheid_signaal_household_id", "veiligheid_signaal", ["household_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_veiligheid_signaal_household_id", table_name="veiligheid_signaal")
    op.drop_table("veiligheid_signaal")
    op.drop_table("aanspreekpunt_uitsluiting")
    op.drop_index("ix_escalatie_grant_grantee_id", table_name="escalatie_grant")
    op.drop_index("ix_escalatie_grant_household_id", table_name="escalatie_grant")
    op.drop_table("escalatie_grant")
    op.drop_table("stagnatie_reminder")
    op.drop_table("stagnatie_step")
    op.drop_index("ix_stagnatie_case_household_id", table_name="stagnatie_case")
    op.drop_table("stagnatie_case")
    op.drop_table("aanspreekpunt")
