"""Settings: one typed object, read from EENPLAN_* environment variables.

Every setting is declared once here with its default and help text; the
README's table is checked against this list by a test. Nothing reads the
environment at import time: call `Settings.from_env()`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .domain.errors import ValidationFailed

SECRET_FILE = "secret_key"


def _setting(default: Any, help: str, env: str) -> Any:
    return field(default=default, metadata={"help": help, "env": env})


@dataclass(frozen=True)
class Settings:
    """All of eenplan's configuration."""

    data_dir: Path = _setting(Path("./var"), "Directory for the SQLite file, keyrings and generated secrets.",
                              "EENPLAN_DATA_DIR")
    database_url: str = _setting("", "SQLAlchemy async URL. Default: sqlite+aiosqlite under the data dir; "
                                 "production: postgresql+asyncpg://user:pass@host/db.", "EENPLAN_DATABASE_URL")
    host: str = _setting("127.0.0.1", "Address the HTTP server binds to.", "EENPLAN_HOST")
    port: int = _setting(8080, "Port the HTTP server listens on.", "EENPLAN_PORT")
    public_url: str = _setting("", "Base URL users reach the server at (links in mail). Default: http://HOST:PORT.",
                               "EENPLAN_PUBLIC_URL")
    smtp_url: str = _setting("", "Outbound SMTP, e.g. smtp+starttls://user:pass@mail.example.org:587. "
                             "Empty: mail is not sent (sign-in links are printed to the console).", "EENPLAN_SMTP_URL")
    mail_domain: str = _setting("eenplan.localhost", "Domain of the household group addresses "
                                "(plan-<code>@DOMAIN) and Message-IDs.", "EENPLAN_MAIL_DOMAIN")
    secret_key: str = _setting("", "Token-signing key (at least 32 characters). Empty: generated on first run "
                               "into DATA_DIR/secret_key with mode 0600.", "EENPLAN_SECRET_KEY")
    token_ttl_seconds: int = _setting(86_400, "Lifetime of API bearer tokens, in seconds.", "EENPLAN_TOKEN_TTL_SECONDS")
    max_body_bytes: int = _setting(1_048_576, "Largest request body accepted, in bytes.", "EENPLAN_MAX_BODY_BYTES")
    log_level: str = _setting("INFO", "Python log level (DEBUG, INFO, WARNING, ERROR).", "EENPLAN_LOG_LEVEL")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
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
        if self.secret_key and len(self.secret_key) < 32:
            raise ValidationFailed.one("EENPLAN_SECRET_KEY", "must be at least 32 characters")

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data dir."""
        return self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'eenplan.db').resolve()}"

    @property
    def effective_public_url(self) -> str:
        """The base URL for links, defaulting to the bind address."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def signing_key(self) -> bytes:
        """The token-signing key: from the environment, else from (or newly into) DATA_DIR/secret_key, mode 0600."""
        if self.secret_key:
            return self.secret_key.encode()
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


def documented_settings() -> list[tuple[str, str, str]]:
    """(variable, default, help) for every setting, for the README and `eenplan settings`."""
    rows = []
    for f in fields(Settings):
        rows.append((f.metadata["env"], str(f.default), f.metadata["help"]))
    return rows
