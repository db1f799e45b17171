"""`eenplan outbox retry`: dead letters back to the queue, with a fresh set of attempts (after an outage, a wrong
setting fixed, a relay that refused for a while). Prints counts by kind; never an address or a subject."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from .config import Settings


def outbox_retry(settings: Settings, args: argparse.Namespace) -> int:
    """Re-queue dead letters: all (`--all`), one household's (`--household ID`) or one row (`--id ROW`); one
    transaction, the workers woken on PostgreSQL. Exit 1 when the named row is not a dead letter."""
    from .storage.engine import create_engine
    from .storage.operator_reads import requeue_dead

    async def run() -> dict[str, int]:
        engine = create_engine(settings.effective_database_url, pool_size=1)
        try:
            return await requeue_dead(engine, datetime.now(UTC), household_id=args.household, row_id=args.id)
        finally:
            await engine.dispose()

    counts = asyncio.run(run())
    for kind, n in sorted(counts.items()):
        print(f"{kind}: {n}")
    total = sum(counts.values())
    print(f"{total} dead letter(s) queued again")
    return 1 if args.id and not total else 0  # a named row that is not a dead letter is a mistake


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`eenplan outbox retry (--all | --household ID | --id ROW)`."""
    ob = sub.add_parser("outbox", help="the mail outbox (operator)")
    ob_sub = ob.add_subparsers(dest="outbox_command", required=True)
    retry = ob_sub.add_parser("retry", help="queue dead letters again (all, one household's, or one row)")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every dead letter")
    which.add_argument("--household", metavar="ID", help="the dead letters of this household id")
    which.add_argument("--id", metavar="ROW", help="this one outbox row")
    retry.set_defaults(run=outbox_retry)
