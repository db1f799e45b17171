"""People and their sessions across households; links and OIDC requests for an address, not a household (issue 11).

A session now belongs to a person (one verified sign-in address) and reaches every household where that
address belongs to an active betrokkene. Sessions, unused links and OIDC requests of the old shape (one
household each) are short-lived secrets: they end at this upgrade (people sign in again), and so at a
downgrade.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.drop_index("ix_signin_session_betrokkene_id", table_name="signin_session")
    op.drop_table("signin_session")
    op.drop_index("ix_magic_link_betrokkene_id", table_name="magic_link")
    op.drop_table("magic_link")
    op.drop_table("oidc_request")
    op.create_table(
        "person",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        _ts("created_at"),
    )
    op.create_table(
        "person_session",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.String(36), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("professional", sa.Boolean(), nullable=False),
        _ts("created_at"),
        _ts("last_seen_at"),
        _ts("expires_at"),
        _ts("revoked_at", nullable=True),
        _ts("second_factor_at", nullable=True),
        sa.Column("user_agent", sa.String(120), nullable=False),
    )
    op.create_index("ix_person_session_person_id", "person_session", ["person_id"])
    op.create_table(
        "person_session_member",
        sa.Column(
            "token_hash",
            sa.String(64),
            sa.ForeignKey("person_session.token_hash", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("household_id", sa.String(36), primary_key=True),
        sa.Column("betrokkene_id", sa.String(36), sa.ForeignKey("betrokkene.id"), primary_key=True),
        sa.Column("issued_by", sa.String(36), nullable=True),
        sa.Column("via_pin", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "magic_link",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("next_path", sa.String(300), nullable=True),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("used_at", nullable=True),
    )
    op.create_index("ix_magic_link_email", "magic_link", ["email"])
    op.create_table(
        "oidc_request",
        sa.Column("state_hash", sa.String(64), primary_key=True),
        sa.Column("next_path", sa.String(300), nullable=True),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("used_at", nullable=True),
    )


def downgrade() -> None:
    op.drop_table("oidc_request")
    op.drop_index("ix_magic_link_email", table_name="magic_link")
    op.drop_table("magic_link")
    op.drop_table("person_session_member")
    op.drop_index("ix_person_session_person_id", table_name="person_session")
    op.drop_table("person_session")
    op.drop_table("person")
    op.create_table(
        "signin_session",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("betrokkene_id", sa.String(36), sa.ForeignKey("betrokkene.id"), nullable=False),
        sa.Column("household_id", sa.String(36), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        _ts("created_at"),
        _ts("last_seen_at"),
        _ts("expires_at"),
        _ts("revoked_at", nullable=True),
        sa.Column("issued_by", sa.String(36), nullable=True),
    )
    op.create_index("ix_signin_session_betrokkene_id", "signin_session", ["betrokkene_id"])
    op.create_table(
        "magic_link",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("betrokkene_id", sa.String(36), sa.ForeignKey("betrokkene.id"), nullable=False),
        sa.Column("household_id", sa.String(36), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("used_at", nullable=True),
    )
    op.create_index("ix_magic_link_betrokkene_id", "magic_link", ["betrokkene_id"])
    op.create_table(
        "oidc_request",
        sa.Column("state_hash", sa.String(64), primary_key=True),
        sa.Column("household_id", sa.String(36), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("used_at", nullable=True),
    )
