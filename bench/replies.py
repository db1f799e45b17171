"""Inbound answer benchmark (issue 14): an iMIP REPLY handed over LMTP, as Postfix does, until the answer is
visible to the regisseur (the service the page and the API call), p95 over many rounds (target ≤ 1 s).

Baseline in the same run: the same LMTP transaction against a receiver that only answers 250 (what the
protocol and the client cost by themselves); the ratio shows what eenplan's own work adds.
"""

from __future__ import annotations

import asyncio
import os
import smtplib
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROUNDS = int(os.environ.get("BENCH_INBOUND_ROUNDS", "60"))
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from inbound.samples import thunderbird


def _send(port: int, raw: bytes, sender: str, recipient: str) -> None:
    client = smtplib.LMTP("127.0.0.1", port)
    try:
        client.sendmail(sender, [recipient], raw)
    finally:
        client.close()


async def run(tmp: Path) -> None:
    from eenplan.bootstrap import build_services
    from eenplan.config import Settings
    from eenplan.demo import seed_demo
    from eenplan.domain.access import Principal
    from eenplan.domain.inbound import MAX_MESSAGE_BYTES, MAX_RECIPIENTS
    from eenplan.domain.overleg import Invitee, OverlegType, Partstat
    from eenplan.services.overleg_drafts import OverlegDraft
    from eenplan.storage import migrate
    from eenplan_mail.lmtp import InboundReceiver

    settings = Settings(
        data_dir=tmp, secret_key="i" * 48, gnupg_home=str(tmp / "g"), mail_domain="eenplan.example", second_factor="off"
    )
    await migrate.upgrade(settings.effective_database_url)
    services = build_services(settings)
    try:
        demo = await seed_demo(settings, services=services)
        hid = demo["household"]["id"]
        people = {b["name"]: b for b in demo["betrokkenen"]}
        sanne = Principal(people["Sanne de Vries"]["id"], hid, second_factor=True)
        fatima = people["Fatima El Amrani"]
        start = (datetime.now(ZoneInfo("Europe/Amsterdam")) + timedelta(days=10)).replace(hour=14, minute=0)
        view, _ = await services.overleggen.plan(
            sanne,
            hid,
            OverlegDraft(
                OverlegType.VOORTGANGSOVERLEG, start, start + timedelta(minutes=90), (Invitee(fatima["id"], True),)
            ),
        )
        group = f"plan-{demo['household']['code'].lower()}@eenplan.example"
        receiver = InboundReceiver(
            services.inbound.accepts,
            services.inbound.deliver,
            host="127.0.0.1",
            port=0,
            lmtp=True,
            max_bytes=MAX_MESSAGE_BYTES,
            max_recipients=MAX_RECIPIENTS,
        )
        await receiver.start()

        async def bare_deliver(_sender: str, _recipient: str, _raw: bytes) -> str:
            return "250 OK"

        bare = InboundReceiver(
            lambda _a: True,
            bare_deliver,
            host="127.0.0.1",
            port=0,
            lmtp=True,
            max_bytes=MAX_MESSAGE_BYTES,
            max_recipients=20,
        )
        await bare.start()
        services.inbound._window._limit = 10**6  # the per-sender budget is not what is measured here
        answers = (("ACCEPTED", Partstat.ACCEPTED), ("DECLINED", Partstat.DECLINED))
        eenplan_times, bare_times = [], []
        for n in range(ROUNDS + 5):
            word, expected = answers[n % 2]
            raw = thunderbird(view.uid, view.sequence, start, group, fatima["email"], "Fatima", word)
            raw = raw.replace("Message-ID: <", f"Message-ID: <r{n}.", 1).encode()
            began = time.perf_counter()
            await asyncio.to_thread(_send, bare.port, raw, fatima["email"], group)
            bare_took = time.perf_counter() - began
            began = time.perf_counter()
            await asyncio.to_thread(_send, receiver.port, raw, fatima["email"], group)
            while True:
                seen = await services.overleggen.get(sanne, hid, view.id)
                if seen.invitees[0].partstat is expected:
                    break
                await asyncio.sleep(0.001)
            took = time.perf_counter() - began
            if n >= 5:  # warm-up rounds are not counted
                eenplan_times.append(took)
                bare_times.append(bare_took)
        await receiver.stop()
        await bare.stop()
    finally:
        await services.close()

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    ours, base = p95(eenplan_times), p95(bare_times)
    print(f"inbound REPLY → answer visible, {ROUNDS} rounds over LMTP (SQLite):")
    print(f"  p95 {ours * 1000:.1f} ms (median {statistics.median(eenplan_times) * 1000:.1f} ms)  target ≤ 1000 ms")
    print(f"  bare LMTP 250 p95 {base * 1000:.1f} ms; ratio {ours / base:.1f}× (what eenplan's work adds)")
    print(f"  → {'OK' if ours <= 1.0 else 'ABOVE TARGET'}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="bi", dir="/tmp") as tmp:
        asyncio.run(run(Path(tmp)))
