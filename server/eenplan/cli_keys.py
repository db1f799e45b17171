"""`eenplan keys rotate` and `eenplan keys status`: the households' signing keys in the database, for the operator.

`status` prints ids, fingerprints, KEK ids (short hashes, never a key) and counts: no name, address or content.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from .config import Settings
from .domain.errors import ValidationFailed
from .domain.mailgroup import EXPIRY_WARNING_DAYS
from .storage.operator_reads import KeyStatus, kek_generation


def keys_rotate(settings: Settings, _args: argparse.Namespace) -> int:
    """Re-seal every household signing key under the current EENPLAN_KEY_ENCRYPTION_KEY, in one transaction
    (set the old one as EENPLAN_KEY_ENCRYPTION_KEY_PREVIOUS while this runs)."""
    from .bootstrap import build_services

    async def run() -> tuple[int, int]:
        services = build_services(settings)
        try:
            keys = services.mailgroup.household_keys
            if keys is None:
                raise ValidationFailed.one("EENPLAN_GNUPGHOME", "no keyring is configured")
            return await keys.rotate()
        finally:
            await services.close()

    resealed, unchanged = asyncio.run(run())
    print(f"{resealed} household key(s) re-sealed, {unchanged} already under the current key-encryption key")
    return 0


def status_line(status: KeyStatus, generation: str) -> str:
    """One household's line: its id, its signing key and KEK, and its betrokkenen's keys as counts."""
    if status.fingerprint is None:
        key = "signing key: none yet (made at its first mail)"
    else:
        made = status.created_at.date().isoformat() if status.created_at is not None else "?"
        key = (
            f"signing key {status.fingerprint} sealed under KEK {status.kek_id} ({generation}), made {made}, no expiry"
        )
    people = (
        f"betrokkenen: {status.active} active, {status.with_email} with e-mail, {status.pinned} with a key "
        f"({status.expiring} expiring within {EXPIRY_WARNING_DAYS} days, {status.expired} expired)"
    )
    return f"{status.household_id}  {key}; {people}"


def keys_status(settings: Settings, _args: argparse.Namespace) -> int:
    """Per household: the signing key (present, sealed under which KEK: current, previous or UNKNOWN) and counts of
    its betrokkenen's keys by expiry. Exit 1 when some key is sealed under a KEK this configuration cannot open."""
    from eenplan_crypto.sealing import kek_id

    from .storage.engine import create_engine
    from .storage.operator_reads import key_status

    current, previous = settings.key_encryption_keys()
    current_id, previous_id = kek_id(current), (kek_id(previous) if previous is not None else None)

    async def run() -> list[KeyStatus]:
        engine = create_engine(settings.effective_database_url, pool_size=1)
        try:
            return await key_status(engine, datetime.now(UTC))
        finally:
            await engine.dispose()

    found = asyncio.run(run())
    unknown = 0
    for status in found:
        generation = kek_generation(status.kek_id, current_id, previous_id)
        unknown += generation == "UNKNOWN"
        print(status_line(status, generation))
    with_key = sum(1 for s in found if s.fingerprint is not None)
    configured = f"current KEK {current_id}" + (f", previous {previous_id}" if previous_id else "")
    print(f"{len(found)} household(s), {with_key} with a signing key, {unknown} under an unknown KEK ({configured})")
    if unknown:
        print(
            "eenplan: some household keys cannot be opened with this EENPLAN_KEY_ENCRYPTION_KEY; set the key they "
            "were sealed under (as EENPLAN_KEY_ENCRYPTION_KEY or _PREVIOUS)",
            file=sys.stderr,
        )
    return 1 if unknown else 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`eenplan keys rotate|status`."""
    ks = sub.add_parser("keys", help="the households' signing keys in the database")
    ks_sub = ks.add_subparsers(dest="keys_command", required=True)
    ks_sub.add_parser(
        "rotate", help="re-seal every household key under EENPLAN_KEY_ENCRYPTION_KEY (old one as _PREVIOUS)"
    ).set_defaults(run=keys_rotate)
    ks_sub.add_parser(
        "status",
        help="per household: signing key, the KEK it is sealed under, betrokkenen's key counts (exit 1: unknown KEK)",
    ).set_defaults(run=keys_status)
