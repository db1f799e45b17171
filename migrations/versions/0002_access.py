"""Consent (toestemming), overmacht decisions and the append-only, hash-chained NEN 7513 access log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


APPEND_ONLY_SQLITE = [
    """CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
       BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END""",
    """CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
       BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END""",
]
APPEND_ONLY_POSTGRES = [
    """CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'access_log is append-only'; END $$""",
    """CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON access_log
       FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only()""",
    "REVOKE UPDATE, DELETE, TRUNCATE ON access_log FROM PUBLIC",
]


def upgrade() -> None:
    op.create_table(
        "consent",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id"), nullable=False),
        sa.Column("requested_by", sa.String(36), nullable=False),
        sa.Column("grantee_id", sa.String(36), sa.ForeignKey("betrokkene.id"), nullable=False),
        sa.Column("about_id", sa.String(36), nullable=True),
        sa.Column("sections", sa.String(200), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(1000), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(36), nullable=True),
    )
    op.create_index("ix_consent_household_id", "consent", ["household_id"])
    op.create_index("ix_consent_grantee_id", "consent", ["grantee_id"])
    op.create_table(
        "consent_approval",
        sa.Column("consent_id", sa.String(36), sa.ForeignKey("consent.id"), primary_key=True),
        sa.Column("betrokkene_id", sa.String(36), primary_key=True),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("method", sa.String(20), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "overmacht",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id"), nullable=False),
        sa.Column("professional_id", sa.String(36), nullable=False),
        sa.Column("recipient_id", sa.String(36), sa.ForeignKey("betrokkene.id"), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("besluit", sa.String(20), nullable=False),
        sa.Column("sections", sa.String(200), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_overmacht_household_id", "overmacht", ["household_id"])
    op.create_index("ix_overmacht_recipient_id", "overmacht", ["recipient_id"])
    op.create_table(
        "access_log",
        sa.Column("household_id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(36), nullable=True),
        sa.Column("on_behalf_of", sa.String(36), nullable=True),
        sa.Column("sections", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("ground", sa.String(500), nullable=False),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "access_log_head",
        sa.Column("household_id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    dialect = op.get_bind().dialect.name
    for statement in APPEND_ONLY_POSTGRES if dialect == "postgresql" else APPEND_ONLY_SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER access_log_no_change ON access_log")
        op.execute("DROP FUNCTION access_log_append_only()")
    op.drop_table("access_log_head")
    op.drop_table("access_log")
    op.drop_index("ix_overmacht_recipient_id", "overmacht")
    op.drop_index("ix_overmacht_household_id", "overmacht")
    op.drop_table("overmacht")
    op.drop_table("consent_approval")
    op.drop_index("ix_consent_grantee_id", "consent")
    op.drop_index("ix_consent_household_id", "consent")
    op.drop_table("consent")
