"""The `eenplan` command: serve, worker, inbound, migrate, demo, settings here; the operator's tools by concept in
`cli_admin` (audit, aanspreekpunt, monitoring tokens, factors-reset), `cli_keys` (keys rotate|status), `cli_outbox`
(outbox retry) and `cli_households` (household open)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from typing import TYPE_CHECKING

from . import cli_admin, cli_households, cli_keys, cli_outbox
from .config import Settings, documented_settings
from .domain.errors import EenplanError
from .gc_tuning import settle_after_start

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
        settle_after_start()
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
    from .bootstrap import build_services, check_kek, receiver

    async def run() -> int:
        services = build_services(settings)
        metrics = await _metrics_started(settings)
        await check_kek(services)  # it opens mail with the household keys
        try:
            listener = receiver(services, settings)
            await listener.start()
            settle_after_start()
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


async def _settle_gc(_app: object) -> None:
    """At the app's start-up, before it listens: the process's cycle collection tuned (`gc_tuning`)."""
    settle_after_start()


def _serve(settings: Settings, _args: argparse.Namespace) -> int:
    _refuse_unready(settings)  # before the heavy imports, so a refusal exits at once
    from aiohttp import web

    from .bootstrap import create_app

    app = create_app(settings)
    app.on_startup.append(_settle_gc)
    web.run_app(
        app,
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
    sub.add_parser("settings", help="list every EENPLAN_* setting with its default").set_defaults(run=_settings)
    for commands in (cli_admin, cli_keys, cli_outbox, cli_households):
        commands.add_commands(sub)
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
