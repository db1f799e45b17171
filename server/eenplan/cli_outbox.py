"""`eenplan outbox retry`: dead letters back to the queue, with a fresh set of attempts (after an outage, a wrong
setting fixed, a relay that refused for a while). Prints counts by kind; never an address or a subject."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from .config import Settings


def outbox_retry(settings: Settings, args: argparse.Namespace) -> int:
    """Re-queue dead letters: all (`--all`), one household's (`--household ID-or-code`) or one row (`--id ROW`);
    one transaction, the workers woken on PostgreSQL. Mail people would see stale is left out and marked skipped
    (a plan update superseded by a newer version, an expired sign-in link, an invite for an overleg that is past),
    counted by kind and reason. Exit 1 when the named row is not a dead letter or the household is unknown."""
    from .storage.engine import create_engine
    from .storage.operator_reads import Requeued, household_id_for, requeue_dead

    async def run() -> Requeued | None:
        engine = create_engine(settings.effective_database_url, pool_size=1)
        try:
            household = None
            if args.household is not None:
                household = await household_id_for(engine, args.household)
                if household is None:
                    return None
            return await requeue_dead(engine, datetime.now(UTC), household_id=household, row_id=args.id)
        finally:
            await engine.dispose()

    done = asyncio.run(run())
    if done is None:
        print("no household with that id or code", file=sys.stderr)
        return 1
    for kind, n in sorted(done.queued.items()):
        print(f"{kind}: {n}")
    total = sum(done.queued.values())
    print(f"{total} dead letter(s) queued again")
    for (kind, reason), n in sorted(done.skipped.items()):
        print(f"skipped, {reason}: {kind}: {n}")
    if done.skipped:
        print(f"{sum(done.skipped.values())} dead letter(s) skipped ({_WHY}); marked skipped")
    named = args.id and not total and not done.skipped
    return 1 if named else 0  # a named row that is not a dead letter is a mistake


_WHY = "superseded: a newer plan version went out; expired: a sign-in link past its lifetime; past: the overleg ended"


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`eenplan outbox retry (--all | --household ID-or-code | --id ROW)`."""
    ob = sub.add_parser("outbox", help="the mail outbox (operator)")
    ob_sub = ob.add_subparsers(dest="outbox_command", required=True)
    retry = ob_sub.add_parser("retry", help="queue dead letters again (all, one household's, or one row)")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every dead letter")
    which.add_argument("--household", metavar="ID", help="the dead letters of this household (its id or code)")
    which.add_argument("--id", metavar="ROW", help="this one outbox row")
    retry.set_defaults(run=outbox_retry)
