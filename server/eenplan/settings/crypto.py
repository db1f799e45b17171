"""Secrets and keys: the token-signing key, the keyring (GNUPGHOME), the key-encryption keys; the files a node
generates them into when it runs alone (SQLite), refused on PostgreSQL where every node must share them."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..domain.errors import ValidationFailed
from . import setting
from .database import DatabaseSettings

SECRET_FILE = "secret_key"
KEK_FILE = "key_encryption_key"


@dataclass(frozen=True)
class CryptoSettings(DatabaseSettings):
    """The secrets a node signs and seals with, and its keyring."""

    secret_key: str = setting(
        "",
        "Token-signing key (at least 32 characters), also sealing authenticator-app secrets (a new key "
        "voids both). Empty: on SQLite generated on first run into DATA_DIR/secret_key with mode 0600; "
        "PostgreSQL refuses to start without it (every node must share it).",
        "EENPLAN_SECRET_KEY",
    )
    gnupg_home: str = setting(
        "",
        "This node's keyring (GNUPGHOME): a cache of the households' signing keys and the pinned keys kept in "
        "the database, rebuilt from it; at most 80 characters. Default: DATA_DIR/gnupg.",
        "EENPLAN_GNUPGHOME",
    )
    key_encryption_key: str = setting(
        "",
        "Key-encryption key (base64 of 32 bytes) sealing the households' signing keys in the database "
        "(AES-256-GCM); every node must share it, back it up apart from the database. Empty: on SQLite generated "
        "on first run into DATA_DIR/key_encryption_key with mode 0600; PostgreSQL refuses to start without it.",
        "EENPLAN_KEY_ENCRYPTION_KEY",
    )
    key_encryption_key_previous: str = setting(
        "",
        "The key-encryption key before the current one (base64 of 32 bytes), while `eenplan keys rotate` "
        "re-seals every household key under the new one. Empty: none.",
        "EENPLAN_KEY_ENCRYPTION_KEY_PREVIOUS",
    )

    @property
    def effective_gnupg_home(self) -> Path:
        """The server keyring directory, defaulting to DATA_DIR/gnupg."""
        return Path(self.gnupg_home) if self.gnupg_home else (self.data_dir / "gnupg").resolve()

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
            kek_bytes(self.key_encryption_key_previous, "EENPLAN_KEY_ENCRYPTION_KEY_PREVIOUS")
            if self.key_encryption_key_previous
            else None
        )
        if self.key_encryption_key:
            return kek_bytes(self.key_encryption_key, "EENPLAN_KEY_ENCRYPTION_KEY"), previous
        if not self.effective_database_url.startswith("sqlite"):
            raise ValidationFailed.one(
                "EENPLAN_KEY_ENCRYPTION_KEY",
                "is required with PostgreSQL: every node seals and opens the households' signing keys with it "
                "(base64 of 32 random bytes, e.g. `openssl rand -base64 32`)",
            )
        path = self.data_dir / KEK_FILE
        _refuse_if_shared(path)
        made = _generated_once(path, lambda: base64.b64encode(secrets.token_bytes(32)).decode("ascii"))
        return kek_bytes(made, str(path)), previous


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


def kek_bytes(value: str, name: str) -> bytes:
    """The 32 bytes of a base64 key-encryption key; names the setting (never the value) when it is not one."""
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != 32:
        raise ValidationFailed.one(name, "must be the base64 of exactly 32 bytes")
    return raw
