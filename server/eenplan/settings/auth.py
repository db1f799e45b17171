"""Sign-in: token and session lifetimes, OpenID Connect, the second factor and the sign-in attempt limits."""

from __future__ import annotations

from dataclasses import dataclass

from . import setting

#: No API bearer token lives longer than this, whatever EENPLAN_TOKEN_TTL_SECONDS says (it may not exceed it): a
#: revocation is kept this long (plus a margin for clocks that disagree), so it outlives every token it can name —
#: also one issued by a node configured with a longer lifetime than the node that revokes it.
MAX_TOKEN_SECONDS = 366 * 86_400
#: how long a revoked token id is kept: longer than any token lives (API and monitoring tokens alike), plus a day
#: for clocks that disagree between the node that revokes, the nodes that verify and the one that drops it
REVOCATION_KEPT_SECONDS = MAX_TOKEN_SECONDS + 86_400


@dataclass(frozen=True)
class AuthSettings:
    """Who may sign in how, for how long, and how often they may try."""

    token_ttl_seconds: int = setting(
        86_400,
        "Lifetime of API bearer tokens, in seconds (at least 60, at most 31622400: 366 days).",
        "EENPLAN_TOKEN_TTL_SECONDS",
    )
    session_idle_seconds: int = setting(
        900, "Sign-in sessions end after this many seconds without a request.", "EENPLAN_SESSION_IDLE_SECONDS"
    )
    session_max_seconds: int = setting(
        28_800,
        "Absolute lifetime of a sign-in session, in seconds (sign in again after it).",
        "EENPLAN_SESSION_MAX_SECONDS",
    )
    oidc_issuer: str = setting(
        "",
        "OpenID Connect issuer URL for professionals' sign-in (discovery via "
        "/.well-known/openid-configuration). Empty: OIDC sign-in is off.",
        "EENPLAN_OIDC_ISSUER",
    )
    oidc_client_id: str = setting(
        "",
        "OIDC client id registered at the issuer; redirect URI PUBLIC_URL/auth/oidc/callback.",
        "EENPLAN_OIDC_CLIENT_ID",
    )
    oidc_client_secret: str = setting("", "OIDC client secret (client_secret_basic).", "EENPLAN_OIDC_CLIENT_SECRET")
    signin_ip_limit: int = setting(
        60,
        "Sign-in attempts (link requests, link redemptions, OIDC callbacks) per "
        "client IP per window (per process; across nodes with EENPLAN_SHARED_STATE).",
        "EENPLAN_SIGNIN_IP_LIMIT",
    )
    signin_target_limit: int = setting(
        5,
        "Sign-in attempts per target (e-mail address, link, OIDC state) per window "
        "(per process; across nodes with EENPLAN_SHARED_STATE).",
        "EENPLAN_SIGNIN_TARGET_LIMIT",
    )
    second_factor: str = setting(
        "professionals",
        "Who must complete a second factor (passkey, TOTP code or recovery code) before any plan content: "
        "'professionals' (also met by an OIDC login whose amr/acr shows MFA), 'everyone', or 'off' "
        "(development only). Reading the access log always needs one.",
        "EENPLAN_SECOND_FACTOR",
    )
    oidc_mfa_values: str = setting(
        "mfa,hwk,swk,otp,sms,fpt,face,iris,pop,fido",
        "Comma-separated OIDC amr/acr values that count as multi-factor sign-in at the provider.",
        "EENPLAN_OIDC_MFA_VALUES",
    )
    signin_limit_window_seconds: int = setting(
        900, "Window in which the sign-in limits refill, in seconds.", "EENPLAN_SIGNIN_LIMIT_WINDOW_SECONDS"
    )

    @property
    def mfa_values(self) -> frozenset[str]:
        """The OIDC amr/acr values accepted as multi-factor sign-in."""
        return frozenset(v.strip() for v in self.oidc_mfa_values.split(",") if v.strip())
