"""`eenplan audit verify`, `aanspreekpunt`, `monitoring-token`, `monitoring-revoke`, `factors-reset`: the operator's
tools for the access log, the aanspreekpunt registry, monitoring tokens and a taken-over sign-in."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from .config import Settings
from .domain.audit import ChainCheck


def audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    """Check every household's access-log hash chain (or one household's); exit 1 if one is broken."""
    from .bootstrap import build_services

    async def verify() -> list[ChainCheck]:
        services = build_services(settings)
        try:
            return await services.access_log.verify(args.household)
        finally:
            await services.close()

    results = asyncio.run(verify())
    broken = [r for r in results if not r.ok]
    for r in results:
        state = "ok" if r.ok else f"BROKEN at entries {', '.join(map(str, r.broken_at[:20]))}"
        print(f"{r.household_id}: {r.entries} entries, {state}")
    print(f"{len(results)} chain(s) checked, {len(broken)} broken")
    return 1 if broken else 0


def aanspreekpunt(settings: Settings, args: argparse.Namespace) -> int:
    """Keep the registry of gemeentelijk aanspreekpunten (operator only; see services/aanspreekpunten.py)."""
    from pathlib import Path

    from .bootstrap import build_services

    async def run() -> list[Any]:
        services = build_services(settings)
        try:
            if args.aanspreekpunt_command == "add":
                armored = Path(args.key).read_text(encoding="ascii", errors="replace")
                return [await services.aanspreekpunten.add(args.gemeente, args.name, args.email, armored)]
            if args.aanspreekpunt_command == "remove":
                await services.aanspreekpunten.remove(args.gemeente)
                return []
            return list(await services.aanspreekpunten.list())
        finally:
            await services.close()

    for entry in asyncio.run(run()):
        print(json.dumps(entry.as_dict(), ensure_ascii=False))
    return 0


def monitoring_token(settings: Settings, args: argparse.Namespace) -> int:
    """Print a monitoring token (scope `mon`) for aandachtsfunctionarissen and agendahouders of one gemeente."""
    from .services.tokens import TokenService

    if not args.gemeente.strip() or args.days < 1 or args.days > 366:
        print("eenplan: --gemeente is required and --days must be 1-366", file=sys.stderr)
        return 2
    issued = TokenService(settings.signing_key(), settings.token_ttl_seconds).issue_monitoring_token(
        args.gemeente.strip(), args.days * 86_400
    )
    print(issued.token)
    print(f"eenplan: token id (for monitoring-revoke --jti): {issued.jti}", file=sys.stderr)
    return 0


def monitoring_revoke(settings: Settings, args: argparse.Namespace) -> int:
    """Revoke a monitoring token by its id: /api/monitoring refuses it from the next request on."""
    from .bootstrap import build_services

    async def run() -> None:
        services = build_services(settings)
        try:
            await services.tokens.revoke_monitoring(args.jti.strip())
        finally:
            await services.close()

    asyncio.run(run())
    print(f"revoked monitoring token {args.jti.strip()}")
    return 0


def factors_reset(settings: Settings, args: argparse.Namespace) -> int:
    """Remove every second factor of an address and end its sessions (someone else added a factor)."""
    from .bootstrap import build_services, utc_now

    async def run() -> bool:
        services = build_services(settings)
        try:
            return bool(await services.people.reset_sign_in(args.email, utc_now()))
        finally:
            await services.close()

    if not asyncio.run(run()):
        print("eenplan: this address never signed in; nothing to reset", file=sys.stderr)
        return 1
    print("every factor of this address is removed and its sessions have ended; it signs in by mail again")
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The parsers of these commands, exactly as documented in the README."""
    a = sub.add_parser("audit", help="access log tools")
    a_sub = a.add_subparsers(dest="audit_command", required=True)
    v = a_sub.add_parser("verify", help="check every household's access-log hash chain (exit 1 if broken)")
    v.add_argument("--household", help="only this household id")
    v.set_defaults(run=audit_verify)
    ap = sub.add_parser("aanspreekpunt", help="the registry of gemeentelijk aanspreekpunten (stagnatie step 4)")
    ap_sub = ap.add_subparsers(dest="aanspreekpunt_command", required=True)
    ap_add = ap_sub.add_parser("add", help="register (or replace) a gemeente's aanspreekpunt with its OpenPGP key")
    for flag in ("--gemeente", "--name", "--email"):
        ap_add.add_argument(flag, required=True)
    ap_add.add_argument("--key", required=True, metavar="FILE", help="ASCII-armored OpenPGP public key")
    ap_rm = ap_sub.add_parser("remove", help="remove a gemeente's aanspreekpunt")
    ap_rm.add_argument("--gemeente", required=True)
    ap_sub.add_parser("list", help="list every registered aanspreekpunt (JSON lines)")
    ap.set_defaults(run=aanspreekpunt)
    mt = sub.add_parser(
        "monitoring-token",
        help="issue a monitoring token for /api/monitoring (aggregate figures of one gemeente; '*' for all)",
    )
    mt.add_argument("--gemeente", required=True)
    mt.add_argument("--days", type=int, default=90, help="validity in days (default 90, at most 366)")
    mt.set_defaults(run=monitoring_token)
    mr = sub.add_parser(
        "monitoring-revoke", help="revoke a monitoring token by its id (printed when issued; the token's `jti` claim)"
    )
    mr.add_argument("--jti", required=True)
    mr.set_defaults(run=monitoring_revoke)
    fr = sub.add_parser(
        "factors-reset", help="remove every second factor of a sign-in address and end its sessions (a takeover)"
    )
    fr.add_argument("--email", required=True)
    fr.set_defaults(run=factors_reset)
