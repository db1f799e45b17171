"""The "Ons plan" page (signed in, scoped, logged) vs the JSON `GET /api/households/{id}/plan` of the same view.

Both sides are the demo's mother reading the current plan: the page with her browser session (a real magic
link, the `eenplan` cookie), the API with her own bearer token. Both decide her access with the one policy,
cut the plan to it and log the read durably before answering; the page also looks up the names, the version
she last saw and renders the HTML. A redirect or any answer but 200 fails the run.

Run alone (`python bench/plan_page.py`, a demo with 3 plan versions) or from bench/run.py (`compare`).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
#: interleaved page/JSON pairs per concurrency; the median pair is reported
PAIRS = int(os.environ.get("BENCH_PAGE_PAIRS", "3"))
TOTAL = int(os.environ.get("BENCH_PLAN_PAGE_REQUESTS", "2000"))
LABEL = "Ons plan page (signed in, scoped, logged)"


def compare(base: str, household_id: str, page_token: str, api_token: str) -> list[str]:
    """Median interleaved ratio page/JSON per concurrency; the lines to print."""
    import pages
    import run as bench

    page_url = f"{base}/huishoudens/{household_id}/plan"
    api_url = f"{base}/api/households/{household_id}/plan"
    body = pages.fetch_page(page_url, page_token, "Ons plan")
    cookie = f"{pages.COOKIE}={page_token}"
    lines = [
        f"{LABEL} vs the JSON GET …/plan of the same view (the mother; {len(body)} bytes of HTML; "
        f"median of {PAIRS} interleaved pairs of {TOTAL} requests):"
    ]
    for concurrency in bench.CONCURRENCIES:
        pairs = []
        for _ in range(PAIRS):
            api_rps = bench.load(api_url, api_token, concurrency, total=TOTAL, warmups=1)
            page_rps = bench.load(page_url, "-", concurrency, total=TOTAL, cookie=cookie, warmups=1)
            pairs.append((page_rps, api_rps))
        page_rps, api_rps = sorted(pairs, key=lambda p: p[0] / p[1])[len(pairs) // 2]
        lines.append(
            f"  concurrency {concurrency:3d}: JSON GET plan {api_rps:7.0f} req/s, Ons plan page {page_rps:7.0f} req/s, "
            f"ratio {page_rps / api_rps:5.2f}   (target ≥ 0.5)"
        )
    return lines


def mother_token(demo: dict[str, Any]) -> str:
    """The mother's own API token from the seeded demo (the same person and view as the page's session)."""
    return str(next(b["token"] for b in demo["betrokkenen"] if b.get("email") == "fatima@example.org"))


def main() -> None:
    """Seed a small demo, sign the mother in, serve it, and print the ratio."""
    sys.path.insert(0, str(HERE))
    import run as bench

    from eenplan.config import Settings

    with tempfile.TemporaryDirectory(prefix="eenplan-bench-plan-page-") as tmp:
        env = {**os.environ, "EENPLAN_DATA_DIR": tmp, "EENPLAN_SECRET_KEY": "b" * 48, "EENPLAN_LOG_LEVEL": "WARNING"}
        demo = asyncio.run(bench.seed(Settings.from_env(env), int(os.environ.get("BENCH_PLAN_VERSIONS", "3"))))
        port = bench.free_port()
        server = subprocess.Popen(
            [bench.PY, "-m", "eenplan.cli", "serve"],
            env={**env, "EENPLAN_PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            bench.wait_for(base + "/healthz")
            for line in compare(base, demo["household"]["id"], demo["page_token"], mother_token(demo)):
                print(line, flush=True)
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
