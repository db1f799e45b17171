"""The groups `eenplan.config.Settings` is made of, one module per concern, and `setting`, which declares one.

`database` (data directory, database URL), `web` (the HTTP server), `auth` (sign-in), `mail` (out, in, the
outbox), `crypto` (secrets, keyring, key-encryption keys), `cluster` (this node's processes and what the nodes
share), `method` (werkdagen, office hours, consent policy). Import `Settings` from `eenplan.config`, never a
group: the checks across groups (`Settings.check`) and the reading of the environment live there.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any


def setting(default: Any, help: str, env: str) -> Any:
    """One setting: its default, the help text `eenplan settings` and the README show, its environment variable."""
    return field(default=default, metadata={"help": help, "env": env})
