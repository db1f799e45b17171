"""eenplan benchmarks, each a ratio against a baseline measured in the same run.

1. Requests/s of an authenticated `GET /api/households/{id}/plan` vs a bare aiohttp handler
   returning the same bytes, with wrk (bench/wrk.py: one process and event loop for both, SQLite and
   PostgreSQL, server CPU per request; target ≥ 0.5); the older Python-client figure is labelled as such.
2. Cost of reading version 1,000 vs version 10, and of diffing 999→1,000 vs 9→10 (target ≤ 1.5).
3. The same GET plan on PostgreSQL (bench/pg.py; informative, needs the system's PostgreSQL 15).
4. Mail fan-out to 20 members (bench/mail.py): gpg work vs raw gpg (≤ 1.3), p95 change → 250 (≤ 1 s).
5. Werkdag arithmetic after warm-up vs plain Monday–Friday stepping (bench/werkdagen.py, ≤ 1.5).
6. The household list and a household's start page for a signed-in person (cookie session) vs a bare
   aiohttp handler returning the same HTML (bench/pages.py, target ≥ 0.5).
7. The "Ons plan" page (signed in, scoped, logged) vs the JSON `GET …/plan` of the same view (the mother's;
   bench/plan_page.py, target ≥ 0.5).
8. An iMIP REPLY over LMTP until the answer is visible to the regisseur (bench/replies.py, p95 ≤ 1 s), against
   a receiver that only answers 250.
9. The werkbank (a regisseur's caseload page) with 50 households vs the JSON `GET /api/werkbank` of the same data
   (bench/caseload.py, target ≥ 0.5), and the page's time at 10, 50 and 200 households (near linear).
10. The cluster's hot read through nginx with 1 and with 3 nodes on one PostgreSQL (bench/cluster.py, wrk): req/s
   and server CPU per request (2 cores cannot show scaling in req/s; CPU per request must not grow with nodes).
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pages
import plan_page

HERE = Path(__file__).parent
PY = sys.executable
TOTAL = int(os.environ.get("BENCH_REQUESTS", "4000"))
CONCURRENCIES = [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "16,64").split(",")]
#: interleaved bare/eenplan pairs per concurrency; the median pair is reported (this machine's speed drifts)
PAIRS = int(os.environ.get("BENCH_PAIRS", "5"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"server at {url} did not start")


def load(url: str, token: str, concurrency: int, total: int = TOTAL, cookie: str = "", warmups: int = 2) -> float:
    """Requests/s of a closed-loop run (bench/load.py in its own process) after `warmups` rounds."""
    extra = [cookie, str(warmups)] if cookie or warmups != 2 else []
    out = subprocess.run(
        [PY, str(HERE / "load.py"), url, token, str(total), str(concurrency), *extra],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


async def seed(settings, versions: int) -> dict:
    from eenplan.bootstrap import build_services
    from eenplan.demo import seed_demo
    from eenplan.domain.access import Principal
    from eenplan.storage import migrate

    await migrate.upgrade(settings.effective_database_url)
    services = build_services(settings)
    try:
        demo = await seed_demo(settings, services=services)
        regisseur = next(b for b in demo["betrokkenen"] if b["role"] == "procesregisseur")
        me = Principal(regisseur["id"], demo["household"]["id"])
        current = 2
        while current < versions:
            snap, _ = await services.plan.change(
                me, me.household_id, None, {"analyse": {"analyse": f"Analyse versie {current + 1}"}}
            )
            current = snap.info.number
        demo["token"] = regisseur["token"]
        demo["page_token"] = await pages.sign_in(services)  # a person's browser session, by a real link
        return demo
    finally:
        await services.close()


def timed(url: str, token: str, rounds: int = 400) -> float:
    """Median seconds per request over `rounds` sequential requests (after warm-up)."""
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    samples = []
    for i in range(rounds + 50):
        start = time.perf_counter()
        with urllib.request.urlopen(req) as resp:
            resp.read()
        if i >= 50:
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    from eenplan.config import Settings

    with tempfile.TemporaryDirectory(prefix="eenplan-bench-") as tmp:
        env = {**os.environ, "EENPLAN_DATA_DIR": tmp, "EENPLAN_SECRET_KEY": "b" * 48, "EENPLAN_LOG_LEVEL": "WARNING"}
        settings = Settings.from_env(env)
        print("seeding 1,000 plan versions on SQLite …", flush=True)
        demo = asyncio.run(seed(settings, 1000))
        hh, token = demo["household"]["id"], demo["token"]
        port, bare_port = free_port(), free_port()
        server = subprocess.Popen(
            [PY, "-m", "eenplan.cli", "serve"],
            env={**env, "EENPLAN_PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/healthz")
            plan_url = f"{base}/api/households/{hh}/plan"
            with urllib.request.urlopen(
                urllib.request.Request(plan_url, headers={"Authorization": f"Bearer {token}"})
            ) as resp:
                body = resp.read()
            body_file = Path(tmp) / "body.json"
            body_file.write_bytes(body)
            bare = subprocess.Popen(
                [PY, str(HERE / "bare.py"), str(bare_port), str(body_file)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                wait_for(f"http://127.0.0.1:{bare_port}/x")
                results = {}
                for concurrency in CONCURRENCIES:
                    pairs = []  # interleaved, so both sides see the same machine conditions
                    for _ in range(PAIRS):
                        base_rps = load(f"http://127.0.0.1:{bare_port}/plan", "-", concurrency)
                        pairs.append((load(plan_url, token, concurrency), base_rps))
                    results[concurrency] = sorted(pairs, key=lambda p: p[0] / p[1])[len(pairs) // 2]  # median pair
            finally:
                bare.terminate()
                bare.wait()
            print(
                f"\nGET plan, Python client (bench/load.py: it shares the cores with the servers and compresses the "
                f"ratio towards 1; wrk's figure below is the one to judge) ({len(body)} bytes, {TOTAL} requests, "
                f"median of {PAIRS} interleaved pairs; scopes and the access log on, every read durably in the log "
                "before the answer):"
            )
            for concurrency, (rps, base_rps) in results.items():
                print(
                    f"  concurrency {concurrency:3d}: bare aiohttp {base_rps:7.0f} req/s, eenplan {rps:7.0f} req/s, "
                    f"ratio {rps / base_rps:5.2f}   (target ≥ 0.5)"
                )

            v10 = timed(f"{plan_url}/versions/10", token)
            v1000 = timed(f"{plan_url}/versions/1000", token)
            d10 = timed(f"{plan_url}/diff?from=9&to=10", token)
            d1000 = timed(f"{plan_url}/diff?from=999&to=1000", token)
            print("\nHistory depth (median of 400 sequential requests):")
            print(f"  read version 10      : {v10 * 1e3:7.2f} ms")
            print(f"  read version 1,000   : {v1000 * 1e3:7.2f} ms   ratio {v1000 / v10:.2f} (target ≤ 1.5)")
            print(f"  diff 9→10            : {d10 * 1e3:7.2f} ms")
            print(f"  diff 999→1,000       : {d1000 * 1e3:7.2f} ms   ratio {d1000 / d10:.2f} (target ≤ 1.5)")
            print()
            name = demo["household"]["name"]
            for line in pages.compare(base, hh, name, demo["page_token"], Path(tmp)):
                print(line, flush=True)
            print()
            for line in plan_page.compare(base, hh, demo["page_token"], plan_page.mother_token(demo)):
                print(line, flush=True)
        finally:
            server.terminate()
            server.wait()
    if os.environ.get("BENCH_WRK", "1") != "0":
        print("\nthe hot read with wrk, SQLite and PostgreSQL (bench/wrk.py) …", flush=True)
        subprocess.run([PY, str(HERE / "wrk.py")], check=True)
    if os.environ.get("BENCH_CLUSTER", "1") != "0":
        print("\nthe cluster: 1 and 3 nodes behind nginx on PostgreSQL (bench/cluster.py) …", flush=True)
        subprocess.run([PY, str(HERE / "cluster.py")], check=True)
    if os.environ.get("BENCH_PG", "1") != "0":
        print("\nPostgreSQL (bench/pg.py) …", flush=True)
        subprocess.run([PY, str(HERE / "pg.py")], check=True)
    if os.environ.get("BENCH_MAIL", "1") != "0":
        print("\nmail fan-out (bench/mail.py) …", flush=True)
        subprocess.run([PY, str(HERE / "mail.py")], check=True)
    if os.environ.get("BENCH_INBOUND", "1") != "0":
        print("\ninbound answers (bench/replies.py) …", flush=True)
        subprocess.run([PY, str(HERE / "replies.py")], check=True)
    if os.environ.get("BENCH_CASELOAD", "1") != "0":
        print("\nthe werkbank (bench/caseload.py) …", flush=True)
        subprocess.run([PY, str(HERE / "caseload.py")], check=True)
    if os.environ.get("BENCH_WERKDAGEN", "1") != "0":
        print("\nwerkdagen (bench/werkdagen.py) …", flush=True)
        subprocess.run([PY, str(HERE / "werkdagen.py")], check=True)


if __name__ == "__main__":
    main()
