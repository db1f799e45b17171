"""Second factors of a person: passkeys, an authenticator app (TOTP), recovery codes (issue 11).

Also the single-use WebAuthn challenges and the not yet confirmed TOTP set-ups.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _person(nullable: bool = False, primary_key: bool = False) -> sa.Column:
    return sa.Column("person_id", sa.String(36), sa.ForeignKey("person.id"), nullable=nullable, primary_key=primary_key)


def upgrade() -> None:
    op.create_table(
        "passkey",
        sa.Column("id", sa.String(36), primary_key=True),
        _person(),
        sa.Column("credential_id", sa.String(1400), nullable=False, unique=True),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("transports", sa.String(200), nullable=False),
        sa.Column("label", sa.String(60), nullable=False),
        _ts("created_at"),
        _ts("last_used_at", nullable=True),
    )
    op.create_index("ix_passkey_person_id", "passkey", ["person_id"])
    op.create_table(
        "totp_factor",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("person_id", sa.String(36), sa.ForeignKey("person.id"), nullable=False, unique=True),
        sa.Column("secret", sa.String(120), nullable=False),
        _ts("created_at"),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        _ts("last_used_at", nullable=True),
    )
    op.create_table(
        "totp_setup",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        _person(),
        sa.Column("secret", sa.String(120), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("used_at", nullable=True),
    )
    op.create_index("ix_totp_setup_person_id", "totp_setup", ["person_id"])
    op.create_table(
        "recovery_code",
        _person(primary_key=True),
        sa.Column("code_hash", sa.String(64), primary_key=True),
        _ts("created_at"),
        _ts("used_at", nullable=True),
    )
    op.create_table(
        "webauthn_challenge",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        _person(nullable=True),
        sa.Column("purpose", sa.String(12), nullable=False),
        sa.Column("challenge", sa.LargeBinary(), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("used_at", nullable=True),
    )


def downgrade() -> None:
    op.drop_table("webauthn_challenge")
    op.drop_table("recovery_code")
    op.drop_index("ix_totp_setup_person_id", table_name="totp_setup")
    op.drop_table("totp_setup")
    op.drop_table("totp_factor")
    op.drop_index("ix_passkey_person_id", table_name="passkey")
    op.drop_table("passkey")
