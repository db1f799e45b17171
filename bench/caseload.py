"""The werkbank (the regisseur's caseload page) vs the JSON `GET /api/werkbank` of the same data, and how the
page's time grows with the number of households (issue 13 item 9).

The regisseur of the demo is regisseur of N households (the demo's and N-1 more, in phases 1, 3 and 4 so that
rows have deadlines and "geen volgend overleg gepland"). Both sides are her one session (the cookie for the
page, the same token as bearer for the JSON), answer the same `Caseload` and read it in one fixed set of
queries. Reported: the page/JSON ratio at 50 households (target ≥ 0.5) and the page's median time at 10, 50
and 200 households, per household (near linear: no query per household per row).

Run alone (`python bench/caseload.py`) or from bench/run.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SANNE = "sanne.devries@example.org"
SIZES = [int(n) for n in os.environ.get("BENCH_CASELOAD_SIZES", "10,50,200").split(",")]
RATIO_AT = int(os.environ.get("BENCH_CASELOAD_RATIO_AT", "50"))
PAIRS = int(os.environ.get("BENCH_CASELOAD_PAIRS", "3"))
TOTAL = int(os.environ.get("BENCH_CASELOAD_REQUESTS", "600"))
ROUNDS = int(os.environ.get("BENCH_CASELOAD_ROUNDS", "60"))


async def seed(settings: Any, households: int) -> str:
    """A demo whose regisseur has `households` households; her session token (a real sign-in link)."""
    from eenplan.bootstrap import build_services
    from eenplan.demo import seed_demo
    from eenplan.domain.access import Principal
    from eenplan.domain.household import Phase
    from eenplan.services.households import NewHousehold, RegisseurDetails
    from eenplan.storage import migrate

    await migrate.upgrade(settings.effective_database_url)
    services = build_services(settings)
    try:
        await seed_demo(settings, services=services)
        for n in range(households - 1):
            household, me = await services.households.open(
                NewHousehold(f"B-{n:05d}", f"Gezin {n:05d}", "Heerlen"),
                RegisseurDetails(name="Sanne de Vries", email=SANNE),
            )
            principal = Principal(me.id, household.id, second_factor=True)
            for to in (Phase.INTAKE, Phase.STARTOVERLEG, Phase.VOORTGANG)[: (0, 2, 3)[n % 3]]:  # phase 1, 3 or 4
                await services.households.change_phase(principal, household.id, to, "bench")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            await services.signin.request_link(email=SANNE, client_ip="192.0.2.81")
            await services.signin.settle()
        import pages

        links = pages.LINK.findall(printed.getvalue())
        if not links:
            raise SystemExit("bench/caseload.py: no sign-in link was printed")
        issued = await services.signin.redeem_link(links[-1], "192.0.2.81", "eenplan-bench")
        return str(issued.token)
    finally:
        await services.close()


@contextlib.contextmanager
def served(households: int) -> Iterator[tuple[str, str]]:
    """A server over a fresh database with `households` households: (base URL, the regisseur's session)."""
    import run as bench

    from eenplan.config import Settings

    with tempfile.TemporaryDirectory(prefix="eenplan-bench-caseload-") as tmp:
        env = {
            **os.environ,
            "EENPLAN_DATA_DIR": tmp,
            "EENPLAN_SECRET_KEY": "b" * 48,
            "EENPLAN_LOG_LEVEL": "WARNING",
            "EENPLAN_SECOND_FACTOR": "off",  # her session needs no second factor here; the factor is not measured
        }
        session = asyncio.run(seed(Settings.from_env(env), households))
        port = bench.free_port()
        server = subprocess.Popen(
            [bench.PY, "-m", "eenplan.cli", "serve"],
            env={**env, "EENPLAN_PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            bench.wait_for(base + "/healthz", timeout=180)  # a loaded machine starts slowly
            yield base, session
        finally:
            server.terminate()
            server.wait()


def page_time(url: str, session: str, rounds: int = ROUNDS) -> float:
    """Median seconds of one page request over `rounds` sequential requests (after 10 warm-ups)."""
    import pages

    request = urllib.request.Request(url, headers={"Cookie": f"{pages.COOKIE}={session}"})
    samples = []
    for i in range(rounds + 10):
        start = time.perf_counter()
        with urllib.request.urlopen(request) as resp:
            resp.read()
        if i >= 10:
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def compare() -> list[str]:
    """The ratio at RATIO_AT households and the growth over SIZES; the lines to print."""
    import pages
    import run as bench

    lines: list[str] = []
    times: dict[int, float] = {}
    for size in sorted({*SIZES, RATIO_AT}):
        with served(size) as (base, session):
            page_url, api_url = f"{base}/werkbank", f"{base}/api/werkbank"
            body = pages.fetch_page(page_url, session, "Werkbank")
            if body.count(b"data-household=") != size:
                raise SystemExit(f"bench/caseload.py: the page lists {body.count(b'data-household=')} of {size}")
            times[size] = page_time(page_url, session)
            if size != RATIO_AT:
                continue
            lines.append(
                f"Werkbank page vs the JSON GET /api/werkbank of the same caseload ({size} households, {len(body)} "
                f"bytes of HTML; median of {PAIRS} interleaved pairs of {TOTAL} requests):"
            )
            cookie = f"{pages.COOKIE}={session}"
            for concurrency in bench.CONCURRENCIES:
                pairs = []
                for _ in range(PAIRS):
                    api_rps = bench.load(api_url, session, concurrency, total=TOTAL, warmups=1)
                    page_rps = bench.load(page_url, "-", concurrency, total=TOTAL, cookie=cookie, warmups=1)
                    pairs.append((page_rps, api_rps))
                page_rps, api_rps = sorted(pairs, key=lambda p: p[0] / p[1])[len(pairs) // 2]
                lines.append(
                    f"  concurrency {concurrency:3d}: JSON {api_rps:7.1f} req/s, page {page_rps:7.1f} req/s, "
                    f"ratio {page_rps / api_rps:5.2f}   (target ≥ 0.5)"
                )
    smallest = min(times)
    lines.append("Werkbank page time by caseload size (median of sequential requests; near linear expected):")
    for size, seconds in sorted(times.items()):
        growth = (seconds / times[smallest]) / (size / smallest)
        lines.append(
            f"  {size:4d} households: {seconds * 1e3:8.2f} ms, {seconds * 1e6 / size:7.1f} µs per household, "
            f"time ratio / size ratio vs {smallest}: {growth:4.2f} (≤ 1 is linear or better)"
        )
    return lines


def main() -> None:
    """Print the comparison."""
    sys.path.insert(0, str(HERE))
    for line in compare():
        print(line, flush=True)


if __name__ == "__main__":
    main()
