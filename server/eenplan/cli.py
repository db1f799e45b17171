"""The `eenplan` command: serve, worker, inbound, migrate, demo, household, audit, aanspreekpunt, settings, …"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from typing import TYPE_CHECKING

from .cli_households import household_open
from .config import Settings, documented_settings
from .domain.errors import EenplanError, ValidationFailed

if TYPE_CHECKING:
    from .web.metrics import MetricsListener


def _refuse_unready(settings: Settings) -> None:
    """At a node's start (serve, worker, inbound), before anything heavy is imported or opened: the shared secrets
    are at hand. On PostgreSQL a missing EENPLAN_KEY_ENCRYPTION_KEY or EENPLAN_SECRET_KEY is refused (every node must
    share them; SQLite generates both into DATA_DIR). Checking here, with only `config` loaded, lets the refused
    process exit at once: importing the server (aiohttp, SQLAlchemy, fpdf, …) took seconds, and tearing those
    modules down again at exit as long, on a busy machine some 20 s in all."""
    settings.key_encryption_keys()
    settings.signing_key()


async def _metrics_started(settings: Settings) -> MetricsListener | None:
    """This process's metrics listener, started, when EENPLAN_METRICS_URL is set (`serve` starts its own)."""
    if not settings.metrics_url:
        return None
    from .bootstrap import metrics_listener

    listener = metrics_listener(settings)
    await listener.start()
    print(f"eenplan metrics on http://{settings.metrics_listen()[0]}:{listener.port}/metrics", flush=True)
    return listener


def _worker(settings: Settings, _args: argparse.Namespace) -> int:
    """Run only the outbox worker until SIGTERM or SIGINT, which let the message in flight finish (several
    workers may run against PostgreSQL)."""
    _refuse_unready(settings)  # before the heavy imports, so a refusal exits at once
    from .bootstrap import backfill_keys, build_services

    async def run() -> int:
        services = build_services(settings)
        metrics = await _metrics_started(settings)
        await backfill_keys(services)
        try:
            if services.outbox is None:
                print("eenplan: EENPLAN_SMTP_URL is not set; nothing to send", file=sys.stderr)
                return 2
            worker = services.outbox
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):  # finish the messages in flight, give the rest back, stop
                loop.add_signal_handler(sig, worker.stop)
            print(f"eenplan worker {worker.worker_id} sending the outbox", flush=True)
            await worker.run_forever()
            print(f"eenplan worker {worker.worker_id} stopped", flush=True)
            return 0
        finally:
            if metrics is not None:
                await metrics.stop()
            await services.close()

    try:
        return asyncio.run(run())
    except KeyboardInterrupt:
        return 0


def _inbound(settings: Settings, _args: argparse.Namespace) -> int:
    """Run only the inbound receiver (LMTP by default) for the group addresses until SIGTERM or SIGINT."""
    _refuse_unready(settings)  # before the heavy imports, so a refusal exits at once
    from .bootstrap import build_services, receiver

    async def run() -> int:
        services = build_services(settings)
        metrics = await _metrics_started(settings)
        try:
            listener = receiver(services, settings)
            await listener.start()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            lmtp, host, _port = settings.inbound_listen()
            print(f"eenplan inbound on {'lmtp' if lmtp else 'smtp'}://{host}:{listener.port}", flush=True)
            await stop.wait()
            await listener.stop()
            return 0
        finally:
            if metrics is not None:
                await metrics.stop()
            await services.close()

    try:
        return asyncio.run(run())
    except KeyboardInterrupt:
        return 0


def new_loop() -> asyncio.AbstractEventLoop:
    """The event loop to serve on: uvloop where it is installed (Linux, macOS), else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _serve(settings: Settings, _args: argparse.Namespace) -> int:
    _refuse_unready(settings)  # before the heavy imports, so a refusal exits at once
    from aiohttp import web

    from .bootstrap import create_app

    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=None,
        loop=new_loop(),
        print=lambda msg: print(f"eenplan serving on http://{settings.host}:{settings.port}", flush=True),
    )
    return 0


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from .storage import migrate

    url = settings.effective_database_url
    if args.revision.startswith("-") or args.down:
        asyncio.run(migrate.downgrade(url, args.down or args.revision))
    else:
        asyncio.run(migrate.upgrade(url, args.revision))
    print(f"database at revision {asyncio.run(migrate.current(url))}")
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from .demo import seed_demo

    result = asyncio.run(seed_demo(settings, if_empty=args.if_empty))
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        from .demo import describe

        print(describe(result, settings))
    return 0


def _audit(settings: Settings, args: argparse.Namespace) -> int:
    from .bootstrap import build_services

    async def verify() -> list:
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


def _aanspreekpunt(settings: Settings, args: argparse.Namespace) -> int:
    """Keep the registry of gemeentelijk aanspreekpunten (operator only; see services/aanspreekpunten.py)."""
    from pathlib import Path

    from .bootstrap import build_services

    async def run() -> list:
        services = build_services(settings)
        try:
            if args.aanspreekpunt_command == "add":
                armored = Path(args.key).read_text(encoding="ascii", errors="replace")
                return [await services.aanspreekpunten.add(args.gemeente, args.name, args.email, armored)]
            if args.aanspreekpunt_command == "remove":
                await services.aanspreekpunten.remove(args.gemeente)
                return []
            return await services.aanspreekpunten.list()
        finally:
            await services.close()

    for entry in asyncio.run(run()):
        print(json.dumps(entry.as_dict(), ensure_ascii=False))
    return 0


def _monitoring_token(settings: Settings, args: argparse.Namespace) -> int:
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


def _monitoring_revoke(settings: Settings, args: argparse.Namespace) -> int:
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


def _factors_reset(settings: Settings, args: argparse.Namespace) -> int:
    """Remove every second factor of an address and end its sessions (someone else added a factor)."""
    from .bootstrap import build_services, utc_now

    async def run() -> bool:
        services = build_services(settings)
        try:
            return await services.people.reset_sign_in(args.email, utc_now())
        finally:
            await services.close()

    if not asyncio.run(run()):
        print("eenplan: this address never signed in; nothing to reset", file=sys.stderr)
        return 1
    print("every factor of this address is removed and its sessions have ended; it signs in by mail again")
    return 0


def _keys_rotate(settings: Settings, _args: argparse.Namespace) -> int:
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


def _settings(_settings: Settings, _args: argparse.Namespace) -> int:
    for env, default, help_text in documented_settings():
        print(f"{env}={default!s:<24} {help_text}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `eenplan` console script."""
    parser = argparse.ArgumentParser(prog="eenplan", description="The 1Gezin1Plan1Regisseur plan server.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the HTTP server").set_defaults(run=_serve)
    sub.add_parser("worker", help="send the mail outbox (without the HTTP server)").set_defaults(run=_worker)
    sub.add_parser("inbound", help="receive mail to the group addresses over LMTP/SMTP").set_defaults(run=_inbound)
    m = sub.add_parser("migrate", help="bring the database schema up to date (or down)")
    m.add_argument("revision", nargs="?", default="head", help="target revision (default: head)")
    m.add_argument("--down", metavar="REVISION", help="downgrade to REVISION (e.g. base)")
    m.set_defaults(run=_migrate)
    d = sub.add_parser("demo", help="create the demo household and print tokens for its betrokkenen")
    d.add_argument("--json", action="store_true", help="print JSON")
    d.add_argument(
        "--if-empty",
        action="store_true",
        help="only create it when the database has no households (otherwise reissue demo tokens)",
    )
    d.set_defaults(run=_demo)
    a = sub.add_parser("audit", help="access log tools")
    a_sub = a.add_subparsers(dest="audit_command", required=True)
    v = a_sub.add_parser("verify", help="check every household's access-log hash chain (exit 1 if broken)")
    v.add_argument("--household", help="only this household id")
    v.set_defaults(run=_audit)
    sub.add_parser("settings", help="list every EENPLAN_* setting with its default").set_defaults(run=_settings)
    ks = sub.add_parser("keys", help="the households' signing keys in the database")
    ks_sub = ks.add_subparsers(dest="keys_command", required=True)
    ks_sub.add_parser(
        "rotate", help="re-seal every household key under EENPLAN_KEY_ENCRYPTION_KEY (old one as _PREVIOUS)"
    ).set_defaults(run=_keys_rotate)
    hh = sub.add_parser("household", help="households (operator only)")
    hh_sub = hh.add_subparsers(dest="household_command", required=True)
    ho = hh_sub.add_parser(
        "open", help="open a household with its procesregisseur (the first regisseur of an empty database)"
    )
    ho.add_argument("--code", required=True, help="neutral household code, e.g. H-2026-001 (never a family name)")
    ho.add_argument("--name", required=True, help="the household's name")
    ho.add_argument("--gemeente", required=True)
    ho.add_argument("--regisseur-email", required=True, help="the address the regisseur signs in with")
    ho.add_argument("--regisseur-name", required=True)
    ho.add_argument("--organisatie", default="", help="the regisseur's organisation")
    ho.set_defaults(run=household_open)
    ap = sub.add_parser("aanspreekpunt", help="the registry of gemeentelijk aanspreekpunten (stagnatie step 4)")
    ap_sub = ap.add_subparsers(dest="aanspreekpunt_command", required=True)
    ap_add = ap_sub.add_parser("add", help="register (or replace) a gemeente's aanspreekpunt with its OpenPGP key")
    for flag in ("--gemeente", "--name", "--email"):
        ap_add.add_argument(flag, required=True)
    ap_add.add_argument("--key", required=True, metavar="FILE", help="ASCII-armored OpenPGP public key")
    ap_rm = ap_sub.add_parser("remove", help="remove a gemeente's aanspreekpunt")
    ap_rm.add_argument("--gemeente", required=True)
    ap_sub.add_parser("list", help="list every registered aanspreekpunt (JSON lines)")
    ap.set_defaults(run=_aanspreekpunt)
    mt = sub.add_parser(
        "monitoring-token",
        help="issue a monitoring token for /api/monitoring (aggregate figures of one gemeente; '*' for all)",
    )
    mt.add_argument("--gemeente", required=True)
    mt.add_argument("--days", type=int, default=90, help="validity in days (default 90, at most 366)")
    mt.set_defaults(run=_monitoring_token)
    mr = sub.add_parser(
        "monitoring-revoke", help="revoke a monitoring token by its id (printed when issued; the token's `jti` claim)"
    )
    mr.add_argument("--jti", required=True)
    mr.set_defaults(run=_monitoring_revoke)
    fr = sub.add_parser(
        "factors-reset", help="remove every second factor of a sign-in address and end its sessions (a takeover)"
    )
    fr.add_argument("--email", required=True)
    fr.set_defaults(run=_factors_reset)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
        logging.getLogger("alembic").setLevel(logging.WARNING)
        return args.run(settings, args)
    except EenplanError as err:
        print(f"eenplan: {err.detail}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
