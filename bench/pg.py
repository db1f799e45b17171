"""GET plan on PostgreSQL (production's database) vs bare aiohttp, on a throwaway cluster from the system
binaries (the tests' helper); skipped when they are missing. Informative: the target is set on SQLite."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import run as bench
from support import postgres

PAIRS = int(os.environ.get("BENCH_PAIRS", "5"))


def main() -> None:
    """Seed the demo on a fresh cluster, serve it, and print the median ratio per concurrency."""
    if not postgres.available():
        print(f"PostgreSQL binaries missing in {postgres.PG_BIN}: skipped")
        return
    from eenplan.config import Settings

    cluster = postgres.Cluster().start()
    try:
        with tempfile.TemporaryDirectory(prefix="eenplan-bench-pg-") as tmp:
            env = {
                **os.environ,
                "EENPLAN_DATA_DIR": tmp,
                "EENPLAN_SECRET_KEY": "b" * 48,
                "EENPLAN_KEY_ENCRYPTION_KEY": "YmVuY2gta2V5LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGU=",  # required on PostgreSQL
                "EENPLAN_LOG_LEVEL": "WARNING",
                "EENPLAN_DATABASE_URL": cluster.create_database(),
            }
            demo = asyncio.run(bench.seed(Settings.from_env(env), 3))
            port, bare_port = bench.free_port(), bench.free_port()
            server = subprocess.Popen(
                [bench.PY, "-m", "eenplan.cli", "serve"],
                env={**env, "EENPLAN_PORT": str(port)},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            bare = None
            try:
                bench.wait_for(f"http://127.0.0.1:{port}/healthz")
                url = f"http://127.0.0.1:{port}/api/households/{demo['household']['id']}/plan"
                request = urllib.request.Request(url, headers={"Authorization": f"Bearer {demo['token']}"})
                body = Path(tmp) / "body.json"
                body.write_bytes(urllib.request.urlopen(request).read())
                bare = subprocess.Popen(
                    [bench.PY, str(HERE / "bare.py"), str(bare_port), str(body)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                bench.wait_for(f"http://127.0.0.1:{bare_port}/x")
                print(f"GET plan on PostgreSQL 15, Python client (median of {PAIRS} interleaved pairs; wrk: wrk.py):")
                for concurrency in bench.CONCURRENCIES:
                    pairs = []
                    for _ in range(PAIRS):
                        base = bench.load(f"http://127.0.0.1:{bare_port}/plan", "-", concurrency)
                        pairs.append((bench.load(url, demo["token"], concurrency), base))
                    rps, base = sorted(pairs, key=lambda p: p[0] / p[1])[len(pairs) // 2]
                    print(
                        f"  concurrency {concurrency:3d}: bare aiohttp {base:7.0f} req/s, eenplan {rps:7.0f} req/s, "
                        f"ratio {rps / base:5.2f}"
                    )
            finally:
                for proc in (server, bare):
                    if proc is not None:
                        proc.terminate()
                        proc.wait()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
