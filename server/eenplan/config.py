"""Settings: one typed object, read from EENPLAN_* environment variables.

Every setting is declared once, with its default and help text, in the group it belongs to
(`eenplan.settings`: database, web, auth, mail, crypto, cluster, method); `Settings` is all of them, and
this module keeps what spans the groups: reading the environment, the checks, the refused placeholders.
The README's table is checked against `documented_settings()` by a test. Nothing reads the environment at
import time: call `Settings.from_env()`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .domain.errors import ValidationFailed
from .settings.auth import MAX_TOKEN_SECONDS, AuthSettings
from .settings.cluster import ClusterSettings
from .settings.crypto import KEK_FILE, SECRET_FILE, CryptoSettings, kek_bytes
from .settings.database import DatabaseSettings
from .settings.mail import MailDeliverySettings
from .settings.method import MethodSettings
from .settings.web import WebSettings

__all__ = ["KEK_FILE", "PLACEHOLDER", "SECRET_FILE", "Settings", "documented_settings"]

#: deploy/env.example's stand-in for every secret; a setting still holding it is refused
PLACEHOLDER = "CHANGE-ME"


@dataclass(frozen=True)
class Settings(
    AuthSettings, MethodSettings, ClusterSettings, CryptoSettings, MailDeliverySettings, WebSettings, DatabaseSettings
):
    """All of eenplan's configuration."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every EENPLAN_* variable, converting and checking types; unset ones keep their defaults."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            if f.type in ("int", int):
                try:
                    values[f.name] = int(raw)
                except ValueError:
                    raise ValidationFailed.one(f.metadata["env"], "must be a whole number") from None
            elif f.type in ("bool", bool):
                if raw.strip().lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValidationFailed.one(f.metadata["env"], "must be true or false")
                values[f.name] = raw.strip().lower() in ("true", "1", "yes")
            elif f.type in ("Path", Path):
                values[f.name] = Path(raw)
            else:
                values[f.name] = raw
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse settings that cannot work, naming the variable."""
        if not 0 < self.port < 65536:
            raise ValidationFailed.one("EENPLAN_PORT", "must be between 1 and 65535")
        if not 60 <= self.token_ttl_seconds <= MAX_TOKEN_SECONDS:
            raise ValidationFailed.one(
                "EENPLAN_TOKEN_TTL_SECONDS", f"must be between 60 and {MAX_TOKEN_SECONDS} (366 days)"
            )
        if self.max_body_bytes < 1024:
            raise ValidationFailed.one("EENPLAN_MAX_BODY_BYTES", "must be at least 1024")
        if self.consent_policy not in ("methode", "twaalf_zelf"):
            raise ValidationFailed.one("EENPLAN_CONSENT_POLICY", "must be 'methode' or 'twaalf_zelf'")
        if self.theme_css and not Path(self.theme_css).is_file():
            raise ValidationFailed.one("EENPLAN_THEME_CSS", "must be the path of a readable stylesheet file")
        if self.bevrijdingsdag not in ("lustrum", "every_year", "never"):
            raise ValidationFailed.one("EENPLAN_BEVRIJDINGSDAG", "must be lustrum, every_year or never")
        if not 0 <= self.reminder_werkdagen <= 30:
            raise ValidationFailed.one("EENPLAN_REMINDER_WERKDAGEN", "must be between 0 and 30")
        if not 1 <= self.journaal_retention_days <= 36500:
            raise ValidationFailed.one("EENPLAN_JOURNAAL_RETENTION_DAYS", "must be between 1 and 36500")
        if self.inbound_url:
            self.inbound_listen()
        if self.metrics_url:
            self.metrics_listen()
        if self.worker_in_serve.strip().lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
            raise ValidationFailed.one("EENPLAN_WORKER_IN_SERVE", "must be true or false")
        if self.shared_state.strip().lower() not in ("auto", "on", "off", "true", "false"):
            raise ValidationFailed.one("EENPLAN_SHARED_STATE", "must be auto, on or off")
        for name in ("outbox_max_attempts", "outbox_poll_seconds", "outbox_backoff_seconds", "outbox_lease_seconds"):
            if getattr(self, name) < 1:
                raise ValidationFailed.one("EENPLAN_" + name.upper(), "must be at least 1")
        self.refuse_placeholders()
        if self.secret_key and len(self.secret_key) < 32:
            raise ValidationFailed.one("EENPLAN_SECRET_KEY", "must be at least 32 characters")
        if self.session_idle_seconds < 60:
            raise ValidationFailed.one("EENPLAN_SESSION_IDLE_SECONDS", "must be at least 60")
        if self.session_max_seconds < self.session_idle_seconds:
            raise ValidationFailed.one("EENPLAN_SESSION_MAX_SECONDS", "must not be shorter than the idle timeout")
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_client_secret):
            raise ValidationFailed.one(
                "EENPLAN_OIDC_CLIENT_ID", "and EENPLAN_OIDC_CLIENT_SECRET are required with EENPLAN_OIDC_ISSUER"
            )
        if self.second_factor not in ("professionals", "everyone", "off"):
            raise ValidationFailed.one("EENPLAN_SECOND_FACTOR", "must be professionals, everyone or off")
        self.trusted_proxy_addresses  # noqa: B018 - raises on an address that is not one
        for env, value in (
            ("EENPLAN_KEY_ENCRYPTION_KEY", self.key_encryption_key),
            ("EENPLAN_KEY_ENCRYPTION_KEY_PREVIOUS", self.key_encryption_key_previous),
        ):
            if value:
                kek_bytes(value, env)
        for name in ("signin_ip_limit", "signin_target_limit", "signin_limit_window_seconds"):
            if getattr(self, name) < 1:
                raise ValidationFailed.one("EENPLAN_" + name.upper(), "must be at least 1")

    def refuse_placeholders(self) -> None:
        """Refuse a secret that still holds deploy/env.example's CHANGE-ME placeholder: a node started with the
        published example key would let anyone mint tokens and page forms. Names the setting, never the value."""
        for env, value, how in (
            ("EENPLAN_SECRET_KEY", self.secret_key, "make one with `openssl rand -base64 36`"),
            ("EENPLAN_KEY_ENCRYPTION_KEY", self.key_encryption_key, "make one with `openssl rand -base64 32`"),
            ("EENPLAN_KEY_ENCRYPTION_KEY_PREVIOUS", self.key_encryption_key_previous, "the key before the current one"),
            ("EENPLAN_DATABASE_URL", self.database_url, "set the database role's real password"),
            ("EENPLAN_SMTP_URL", self.smtp_url, "set the mail account's real password"),
            ("EENPLAN_OIDC_CLIENT_SECRET", self.oidc_client_secret, "set the secret the issuer gave"),
        ):
            if PLACEHOLDER in value.upper():
                raise ValidationFailed.one(
                    env, f"still holds the {PLACEHOLDER} placeholder of deploy/env.example; {how}"
                )


def documented_settings() -> list[tuple[str, str, str]]:
    """(variable, default, help) for every setting, for the README and `eenplan settings`."""
    rows = []
    for f in fields(Settings):
        rows.append((f.metadata["env"], str(f.default), f.metadata["help"]))
    return rows
