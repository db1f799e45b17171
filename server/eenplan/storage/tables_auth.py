"""Tables for magic links, OIDC authorization requests and pinned OIDC identities.

Every secret (session token, link token, OIDC state) is stored only as its
SHA-256 hash, which is also the primary key: a lookup is one index probe.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .tables_base import _ts


class MagicLinkRow(SQLModel, table=True):
    """A single-use sign-in link for one address (used_at is set by the one redemption that wins)."""

    __tablename__ = "magic_link"
    token_hash: str = Field(primary_key=True, max_length=64)
    email: str = Field(index=True, max_length=254)
    next_path: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class OidcRequestRow(SQLModel, table=True):
    """The server-side half of one OIDC authorization request: nonce and PKCE verifier, keyed by state."""

    __tablename__ = "oidc_request"
    state_hash: str = Field(primary_key=True, max_length=64)
    next_path: str | None = Field(default=None, max_length=300)
    nonce: str = Field(max_length=64)
    code_verifier: str = Field(max_length=128)
    created_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class OidcIdentityRow(SQLModel, table=True):
    """The provider account (issuer + sub) pinned to a professional betrokkene at its first OIDC sign-in."""

    __tablename__ = "oidc_identity"
    betrokkene_id: str = Field(foreign_key="betrokkene.id", primary_key=True, max_length=36)
    issuer: str = Field(max_length=300)
    subject: str = Field(max_length=255)
    created_at: datetime = Field(sa_column=_ts())


class ContactChangeRow(SQLModel, table=True):
    """A change of someone's sign-in address made by someone else, waiting for the person's confirmation.

    step 'approve': the address stays as it was until the person approves through the link sent to
    the old address (old_value). step 'confirm': there was no address; new_value is recorded but may
    not sign in until its owner confirms through the link sent to it. The token is stored as its hash.
    """

    __tablename__ = "contact_change"
    token_hash: str = Field(primary_key=True, max_length=64)
    betrokkene_id: str = Field(foreign_key="betrokkene.id", index=True, max_length=36)
    household_id: str = Field(max_length=36)
    field: str = Field(max_length=20)
    step: str = Field(max_length=10)
    old_value: str | None = Field(default=None, max_length=254)
    new_value: str | None = Field(default=None, max_length=254)
    requested_by: str = Field(max_length=36)
    created_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    outcome: str | None = Field(default=None, max_length=20)


class SignInAddressOriginRow(SQLModel, table=True):
    """Who added a betrokkene's sign-in address, when someone else added it where there was none.

    A session obtained through such an address is not the person's own (`issued_by` = the adder).
    No row: the address was recorded at intake or set by the person in their own session.
    """

    __tablename__ = "signin_address_origin"
    betrokkene_id: str = Field(foreign_key="betrokkene.id", primary_key=True, max_length=36)
    added_by: str = Field(max_length=36)
    created_at: datetime = Field(sa_column=_ts())
