"""Settings: one typed object, read from EENPLAN_* environment variables.

Every setting is declared once here with its default and help text; the
README's table is checked against this list by a test. Nothing reads the
environment at import time: call `Settings.from_env()`.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import secrets
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .domain.errors import ValidationFailed

SECRET_FILE = "secret_key"
KEK_FILE = "key_encryption_key"
#: deploy/env.example's stand-in for every secret; a setting still holding it is refused
PLACEHOLDER = "CHANGE-ME"


def _setting(default: Any, help: str, env: str) -> Any:
    return field(default=default, metadata={"help": help, "env": env})


@dataclass(frozen=True)
class Settings:
    """All of eenplan's configuration."""

    data_dir: Path = _setting(
        Path("./var"), "Directory for the SQLite file, keyrings and generated secrets.", "EENPLAN_DATA_DIR"
    )
    database_url: str = _setting(
        "",
        "SQLAlchemy async URL. Default: sqlite+aiosqlite under the data dir; "
        "production: postgresql+asyncpg://user:pass@host/db.",
        "EENPLAN_DATABASE_URL",
    )
    host: str = _setting("127.0.0.1", "Address the HTTP server binds to.", "EENPLAN_HOST")
    port: int = _setting(8080, "Port the HTTP server listens on.", "EENPLAN_PORT")
    public_url: str = _setting(
        "",
        "Base URL users reach the server at (links in mail; the passkeys' relying party). "
        "Default: http://HOST:PORT, with localhost for a loopback HOST.",
        "EENPLAN_PUBLIC_URL",
    )
    smtp_url: str = _setting(
        "",
        "Outbound SMTP, e.g. smtp+starttls://user:pass@mail.example.org:587. "
        "Empty: mail is not sent (sign-in links are printed to the console).",
        "EENPLAN_SMTP_URL",
    )
    mail_domain: str = _setting(
        "eenplan.localhost",
        "Domain of the household group addresses (plan-<code>@DOMAIN) and Message-IDs.",
        "EENPLAN_MAIL_DOMAIN",
    )
    bevrijdingsdag: str = _setting(
        "lustrum",
        "Is Bevrijdingsdag (5 May) a day off for werkdagen: 'lustrum' (every "
        "fifth year, most CAOs), 'every_year' or 'never'.",
        "EENPLAN_BEVRIJDINGSDAG",
    )
    goede_vrijdag: bool = _setting(False, "Count Goede Vrijdag as a day off (true/false).", "EENPLAN_GOEDE_VRIJDAG")
    extra_closing_days: str = _setting(
        "",
        "Extra local closing days, comma-separated YYYY-MM-DD (e.g. a bridge day); they are no werkdagen.",
        "EENPLAN_EXTRA_CLOSING_DAYS",
    )
    reminder_werkdagen: int = _setting(
        2, "Werkdagen before each voortgangsoverleg the reminder invitation goes out.", "EENPLAN_REMINDER_WERKDAGEN"
    )
    office_hours: str = _setting(
        "09:00-17:00",
        "Office hours (Europe/Amsterdam) within which overleg slots are proposed, HH:MM-HH:MM.",
        "EENPLAN_OFFICE_HOURS",
    )
    secret_key: str = _setting(
        "",
        "Token-signing key (at least 32 characters), also sealing authenticator-app secrets (a new key "
        "voids both). Empty: on SQLite generated on first run into DATA_DIR/secret_key with mode 0600; "
        "PostgreSQL refuses to start without it (every node must share it).",
        "EENPLAN_SECRET_KEY",
    )
    token_ttl_seconds: int = _setting(86_400, "Lifetime of API bearer tokens, in seconds.", "EENPLAN_TOKEN_TTL_SECONDS")
    max_body_bytes: int = _setting(1_048_576, "Largest request body accepted, in bytes.", "EENPLAN_MAX_BODY_BYTES")
    consent_policy: str = _setting(
        "methode",
        "Who must consent for a minor: 'methode' (under 12 the parents; "
        "12–16 parents and youth; 16+ the youth alone) or 'twaalf_zelf' (12+ the youth "
        "alone).",
        "EENPLAN_CONSENT_POLICY",
    )
    log_level: str = _setting("INFO", "Python log level (DEBUG, INFO, WARNING, ERROR).", "EENPLAN_LOG_LEVEL")
    theme_css: str = _setting(
        "",
        "Path to a municipality's own stylesheet (NL Design System theme tokens), served at /static/thema.css "
        "after the default theme. Empty: the NL Design System example theme only.",
        "EENPLAN_THEME_CSS",
    )
    session_idle_seconds: int = _setting(
        900, "Sign-in sessions end after this many seconds without a request.", "EENPLAN_SESSION_IDLE_SECONDS"
    )
    session_max_seconds: int = _setting(
        28_800,
        "Absolute lifetime of a sign-in session, in seconds (sign in again after it).",
        "EENPLAN_SESSION_MAX_SECONDS",
    )
    oidc_issuer: str = _setting(
        "",
        "OpenID Connect issuer URL for professionals' sign-in (discovery via "
        "/.well-known/openid-configuration). Empty: OIDC sign-in is off.",
        "EENPLAN_OIDC_ISSUER",
    )
    oidc_client_id: str = _setting(
        "",
        "OIDC client id registered at the issuer; redirect URI PUBLIC_URL/auth/oidc/callback.",
        "EENPLAN_OIDC_CLIENT_ID",
    )
    oidc_client_secret: str = _setting("", "OIDC client secret (client_secret_basic).", "EENPLAN_OIDC_CLIENT_SECRET")
    signin_ip_limit: int = _setting(
        60,
        "Sign-in attempts (link requests, link redemptions, OIDC callbacks) per "
        "client IP per window (per process; across nodes with EENPLAN_SHARED_STATE).",
        "EENPLAN_SIGNIN_IP_LIMIT",
    )
    signin_target_limit: int = _setting(
        5,
        "Sign-in attempts per target (e-mail address, link, OIDC state) per window "
        "(per process; across nodes with EENPLAN_SHARED_STATE).",
        "EENPLAN_SIGNIN_TARGET_LIMIT",
    )
    second_factor: str = _setting(
        "professionals",
        "Who must complete a second factor (passkey, TOTP code or recovery code) before any plan content: "
        "'professionals' (also met by an OIDC login whose amr/acr shows MFA), 'everyone', or 'off' "
        "(development only). Reading the access log always needs one.",
        "EENPLAN_SECOND_FACTOR",
    )
    oidc_mfa_values: str = _setting(
        "mfa,hwk,swk,otp,sms,fpt,face,iris,pop,fido",
        "Comma-separated OIDC amr/acr values that count as multi-factor sign-in at the provider.",
        "EENPLAN_OIDC_MFA_VALUES",
    )
    trusted_proxies: str = _setting(
        "",
        "Comma-separated IP addresses of reverse proxies in front of eenplan whose "
        "X-Forwarded-For names the client (for the per-IP sign-in limits). Empty: the "
        "direct peer is the client.",
        "EENPLAN_TRUSTED_PROXIES",
    )
    signin_limit_window_seconds: int = _setting(
        900, "Window in which the sign-in limits refill, in seconds.", "EENPLAN_SIGNIN_LIMIT_WINDOW_SECONDS"
    )
    gnupg_home: str = _setting(
        "",
        "This node's keyring (GNUPGHOME): a cache of the households' signing keys and the pinned keys kept in "
        "the database, rebuilt from it; at most 80 characters. Default: DATA_DIR/gnupg.",
        "EENPLAN_GNUPGHOME",
    )
    key_encryption_key: str = _setting(
        "",
        "Key-encryption key (base64 of 32 bytes) sealing the households' signing keys in the database "
        "(AES-256-GCM); every node must share it, back it up apart from the database. Empty: on SQLite generated "
        "on first run into DATA_DIR/key_encryption_key with mode 0600; PostgreSQL refuses to start without it.",
        "EENPLAN_KEY_ENCRYPTION_KEY",
    )
    key_encryption_key_previous: str = _setting(
        "",
        "The key-encryption key before the current one (base64 of 32 bytes), while `eenplan keys rotate` "
        "re-seals every household key under the new one. Empty: none.",
        "EENPLAN_KEY_ENCRYPTION_KEY_PREVIOUS",
    )
    worker_in_serve: str = _setting(
        "true",
        "Run the outbox worker inside `eenplan serve` (true/false); with false, run `eenplan worker` separately.",
        "EENPLAN_WORKER_IN_SERVE",
    )
    shared_state: str = _setting(
        "auto",
        "Count rate limits (sign-in, calendar feeds, inbound senders) and claim the hourly jobs in the database, "
        "so several nodes act as one (auto: on with PostgreSQL, off with SQLite; on; off).",
        "EENPLAN_SHARED_STATE",
    )
    inbound_url: str = _setting(
        "",
        "Where the receiver for mail to the group addresses listens: lmtp://HOST:PORT (Postfix hands the mail "
        "domain to it) or smtp://HOST:PORT. Empty: `eenplan serve` takes no mail and `eenplan inbound` listens on "
        "lmtp://127.0.0.1:8024.",
        "EENPLAN_INBOUND_URL",
    )
    metrics_url: str = _setting(
        "",
        "Where this process serves Prometheus metrics (GET /metrics), e.g. http://127.0.0.1:9464: its own listener, "
        "never the public port; keep it on a private address. Empty: no metrics.",
        "EENPLAN_METRICS_URL",
    )
    journaal_retention_days: int = _setting(
        365,
        "Days after a household entered phase 6 (afsluiten) its journaal (members' messages) is deleted; "
        "checked hourly. A household that reopens keeps it.",
        "EENPLAN_JOURNAAL_RETENTION_DAYS",
    )
    outbox_max_attempts: int = _setting(
        8, "Attempts per outbox message before it becomes a dead letter.", "EENPLAN_OUTBOX_MAX_ATTEMPTS"
    )
    outbox_poll_seconds: int = _setting(
        2,
        "Seconds between outbox polls (rows queued by the same process are sent at once).",
        "EENPLAN_OUTBOX_POLL_SECONDS",
    )
    outbox_backoff_seconds: int = _setting(
        30,
        "First retry delay after a temporary SMTP failure; doubles per attempt, at most one hour.",
        "EENPLAN_OUTBOX_BACKOFF_SECONDS",
    )
    outbox_lease_seconds: int = _setting(
        300,
        "How long a worker holds claimed rows (renewed every third of it while it works); a crashed worker's "
        "rows are sent again after it (same Message-ID).",
        "EENPLAN_OUTBOX_LEASE_SECONDS",
    )

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
        if self.token_ttl_seconds < 60:
            raise ValidationFailed.one("EENPLAN_TOKEN_TTL_SECONDS", "must be at least 60")
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
                _kek_bytes(value, env)
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

    @property
    def mfa_values(self) -> frozenset[str]:
        """The OIDC amr/acr values accepted as multi-factor sign-in."""
        return frozenset(v.strip() for v in self.oidc_mfa_values.split(",") if v.strip())

    @property
    def trusted_proxy_addresses(self) -> frozenset[str]:
        """The trusted proxies' addresses, normalised."""
        out = set()
        for part in filter(None, (p.strip() for p in self.trusted_proxies.split(","))):
            try:
                address = ipaddress.ip_address(part)
                out.add(str(getattr(address, "ipv4_mapped", None) or address))  # as the web layer spells peers
            except ValueError:
                raise ValidationFailed.one("EENPLAN_TRUSTED_PROXIES", f"{part[:45]!r} is not an IP address") from None
        return frozenset(out)

    @property
    def effective_gnupg_home(self) -> Path:
        """The server keyring directory, defaulting to DATA_DIR/gnupg."""
        return Path(self.gnupg_home) if self.gnupg_home else (self.data_dir / "gnupg").resolve()

    def inbound_listen(self) -> tuple[bool, str, int]:
        """(LMTP?, host, port) of the inbound receiver (EENPLAN_INBOUND_URL, or lmtp://127.0.0.1:8024)."""
        url = urllib.parse.urlsplit(self.inbound_url or "lmtp://127.0.0.1:8024")
        try:
            port = url.port
        except ValueError:
            port = None
        if url.scheme not in ("lmtp", "smtp") or not url.hostname or port is None or url.path not in ("", "/"):
            raise ValidationFailed.one(
                "EENPLAN_INBOUND_URL", "must look like lmtp://127.0.0.1:8024 or smtp://host:port"
            )
        return url.scheme == "lmtp", url.hostname, port

    def metrics_listen(self) -> tuple[str, int]:
        """(host, port) of the metrics listener (EENPLAN_METRICS_URL, http://HOST:PORT; port 0 picks a free one)."""
        url = urllib.parse.urlsplit(self.metrics_url)
        try:
            port = url.port
        except ValueError:
            port = None
        if url.scheme != "http" or not url.hostname or port is None or url.path not in ("", "/", "/metrics"):
            raise ValidationFailed.one("EENPLAN_METRICS_URL", "must look like http://127.0.0.1:9464")
        return url.hostname, port

    @property
    def runs_worker_in_serve(self) -> bool:
        """Whether `eenplan serve` also sends the outbox."""
        return self.worker_in_serve.strip().lower() in ("1", "true", "yes", "on")

    @property
    def shares_state(self) -> bool:
        """Whether rate limits and hourly-job claims live in the database (EENPLAN_SHARED_STATE)."""
        value = self.shared_state.strip().lower()
        return value in ("on", "true") or (value == "auto" and not self.effective_database_url.startswith("sqlite"))

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data dir."""
        return self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'eenplan.db').resolve()}"

    @property
    def effective_public_url(self) -> str:
        """The base URL for links, defaulting to the bind address — spelled `localhost` for a loopback
        address, the one name browsers accept for passkeys on plain http (development, `make run`)."""
        host = "localhost" if self.host in ("127.0.0.1", "::1", "localhost") else self.host
        return (self.public_url or f"http://{host}:{self.port}").rstrip("/")

    def signing_key(self) -> bytes:
        """The token-signing key: from the environment, else (SQLite, one node) from or newly into
        DATA_DIR/secret_key, mode 0600. On PostgreSQL refused: each node would make its own, and a token, a page
        form, a return path or an app secret sealed by one node would fail on the next."""
        if self.secret_key:
            return self.secret_key.encode()
        if not self.effective_database_url.startswith("sqlite"):
            raise ValidationFailed.one(
                "EENPLAN_SECRET_KEY",
                "is required with PostgreSQL: every node signs and checks tokens, page forms and return paths with it "
                "(at least 32 random characters, e.g. `openssl rand -base64 36`)",
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / SECRET_FILE
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = path.read_text().strip()
            if len(key) < 32:
                raise ValidationFailed.one(str(path), "holds a key shorter than 32 characters") from None
            return key.encode()
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
        return path.read_text().strip().encode()

    def key_encryption_keys(self) -> tuple[bytes, bytes | None]:
        """(current, previous) key-encryption keys. Without EENPLAN_KEY_ENCRYPTION_KEY: on SQLite (one node) read
        from, or newly generated into, DATA_DIR/key_encryption_key (mode 0600); on PostgreSQL refused, because
        every node must seal and open the same household keys."""
        previous = (
            _kek_bytes(self.key_encryption_key_previous, "EENPLAN_KEY_ENCRYPTION_KEY_PREVIOUS")
            if self.key_encryption_key_previous
            else None
        )
        if self.key_encryption_key:
            return _kek_bytes(self.key_encryption_key, "EENPLAN_KEY_ENCRYPTION_KEY"), previous
        if not self.effective_database_url.startswith("sqlite"):
            raise ValidationFailed.one(
                "EENPLAN_KEY_ENCRYPTION_KEY",
                "is required with PostgreSQL: every node seals and opens the households' signing keys with it "
                "(base64 of 32 random bytes, e.g. `openssl rand -base64 32`)",
            )
        path = self.data_dir / KEK_FILE
        _refuse_if_shared(path)
        made = _generated_once(path, lambda: base64.b64encode(secrets.token_bytes(32)).decode("ascii"))
        return _kek_bytes(made, str(path)), previous


def _generated_once(path: Path, make: Callable[[], str]) -> str:
    """The secret in `path`, written there (mode 0600, never replaced) by `make` on the first call."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(make())
    return path.read_text().strip()


def _refuse_if_shared(path: Path) -> None:
    """Refuse a key file its group or others may read (or write): it unseals every household's signing key."""
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        return
    if mode & 0o077:
        raise ValidationFailed.one(
            str(path), f"is readable by others than its owner (mode {mode:04o}): `chmod 600 {path}`, then start again"
        )


def _kek_bytes(value: str, name: str) -> bytes:
    """The 32 bytes of a base64 key-encryption key; names the setting (never the value) when it is not one."""
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != 32:
        raise ValidationFailed.one(name, "must be the base64 of exactly 32 bytes")
    return raw


def documented_settings() -> list[tuple[str, str, str]]:
    """(variable, default, help) for every setting, for the README and `eenplan settings`."""
    rows = []
    for f in fields(Settings):
        rows.append((f.metadata["env"], str(f.default), f.metadata["help"]))
    return rows
