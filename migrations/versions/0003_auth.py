"""Sign-in sessions, magic links and OIDC identities.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
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
    op.create_table(
        "oidc_identity",
        sa.Column("betrokkene_id", sa.String(36), sa.ForeignKey("betrokkene.id"), primary_key=True),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        _ts("created_at"),
    )


def downgrade() -> None:
    op.drop_table("oidc_identity")
    op.drop_table("oidc_request")
    op.drop_index("ix_magic_link_betrokkene_id", table_name="magic_link")
    op.drop_table("magic_link")
    op.drop_index("ix_signin_session_betrokkene_id", table_name="signin_session")
    op.drop_table("signin_session")
