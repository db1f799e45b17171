"""Tables for second factors: passkeys, TOTP apps, recovery codes, WebAuthn challenges, TOTP set-ups.

All keyed by person (`person.id`). One-time things (challenges, set-ups) are stored under the SHA-256
of the id handed out; recovery codes only as hashes. A TOTP secret must be readable to check a code,
so it is stored sealed (AES-GCM under a key derived from the deployment's secret key, which the
database does not hold; `services.factor_secrets`).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .tables_base import _ts


class PasskeyRow(SQLModel, table=True):
    """A WebAuthn credential of one person (credential id base64url, COSE public key)."""

    __tablename__ = "passkey"
    id: str = Field(primary_key=True, max_length=36)
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    credential_id: str = Field(max_length=1400, sa_column_kwargs={"unique": True}, nullable=False)
    public_key: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))
    sign_count: int = Field(sa_column=sa.Column(sa.BigInteger(), nullable=False))
    transports: str = Field(default="", max_length=200)
    label: str = Field(max_length=60)
    created_at: datetime = Field(sa_column=_ts())
    last_used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class TotpFactorRow(SQLModel, table=True):
    """A person's confirmed authenticator app (one per person) and the last time step it was used for."""

    __tablename__ = "totp_factor"
    id: str = Field(primary_key=True, max_length=36)
    person_id: str = Field(foreign_key="person.id", max_length=36, sa_column_kwargs={"unique": True})
    secret: str = Field(max_length=120)
    created_at: datetime = Field(sa_column=_ts())
    last_step: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger(), nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class TotpSetupRow(SQLModel, table=True):
    """A TOTP secret shown to a person and not yet confirmed with a code (used_at: confirmed)."""

    __tablename__ = "totp_setup"
    id_hash: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    secret: str = Field(max_length=120)
    created_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class RecoveryCodeRow(SQLModel, table=True):
    """One recovery code of a person, as the hash of its normalised form (used_at: spent)."""

    __tablename__ = "recovery_code"
    person_id: str = Field(foreign_key="person.id", primary_key=True, max_length=36)
    code_hash: str = Field(primary_key=True, max_length=64)
    created_at: datetime = Field(sa_column=_ts())
    used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class WebAuthnChallengeRow(SQLModel, table=True):
    """A challenge handed to a browser for one ceremony (person_id NULL: discoverable sign-in)."""

    __tablename__ = "webauthn_challenge"
    id_hash: str = Field(primary_key=True, max_length=64)
    person_id: str | None = Field(default=None, foreign_key="person.id", max_length=36)
    purpose: str = Field(max_length=12)
    challenge: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))
    created_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
