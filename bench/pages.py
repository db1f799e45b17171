"""Pages for a signed-in person vs a bare aiohttp handler returning the same HTML bytes.

The person is the demo's mother (a klant: the default second-factor policy asks nothing more of her),
signed in the way a browser is: a real magic link asked for and redeemed through the services, its
session token sent as the `eenplan` cookie (the name for an http public URL). Each measured request is
the real page — session lookup, the household list or the household's start page, the layout and its
CSRF cookie — and a redirect (to sign-in, second step or choice) counts as a failure, not a page.

Run alone (`python bench/pages.py`, a demo with 3 plan versions) or from bench/run.py, which calls
`sign_in` while seeding and `compare` while its server runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
#: the session cookie's name when the public URL is http (server/eenplan/web/pages/cookies.py)
COOKIE = "eenplan"
EMAIL = "fatima@example.org"
CLIENT_IP = "192.0.2.80"
LINK = re.compile(r"/auth/magic-link/([A-Za-z0-9_-]{43})")
#: interleaved bare/eenplan pairs per page and concurrency; the median pair is reported
PAIRS = int(os.environ.get("BENCH_PAGE_PAIRS", "3"))
#: requests per measured run: the bare side always this many; the page as many as it serves in
#: SECONDS (a probe run decides), at least MIN_TOTAL, so a slow page does not take minutes per run
TOTAL = int(os.environ.get("BENCH_REQUESTS", "4000"))
SECONDS = float(os.environ.get("BENCH_PAGE_SECONDS", "4"))
MIN_TOTAL, PROBE = 200, 100


async def sign_in(services: Any) -> str:
    """A real person session for the demo's mother: ask for a link, take it from the development mail on
    the console (no SMTP configured), redeem it. Returns the session token a browser would hold."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        await services.signin.request_link(email=EMAIL, client_ip=CLIENT_IP)
        await services.signin.settle()
    links = LINK.findall(printed.getvalue())
    if not links:
        raise SystemExit("bench/pages.py: no sign-in link was printed (is EENPLAN_SMTP_URL set?)")
    issued = await services.signin.redeem_link(links[-1], CLIENT_IP, "eenplan-bench")
    return str(issued.token)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch_page(url: str, token: str, expect: str) -> bytes:
    """The page's HTML as the signed-in browser gets it; exits when it is a redirect or not the page."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": f"{COOKIE}={token}"})
    try:
        with opener.open(request) as resp:
            body, kind = resp.read(), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        raise SystemExit(f"bench/pages.py: {url} answered {error.code} {error.headers.get('Location', '')}") from None
    if not kind.startswith("text/html") or expect.encode() not in body:
        raise SystemExit(f"bench/pages.py: {url} is not the signed-in page ({kind}, {len(body)} bytes)")
    return body


def compare(base: str, household_id: str, household_name: str, token: str, tmp: Path) -> list[str]:
    """Median interleaved ratio per concurrency for the household list and the start page; the lines to print."""
    import run as bench

    pages = [
        ("GET /huishoudens", f"{base}/huishoudens", "Mijn huishoudens"),
        ("GET /huishoudens/{id}", f"{base}/huishoudens/{household_id}", household_name),
    ]
    lines = [
        f"Pages for a signed-in person (cookie session; median of {PAIRS} interleaved pairs, bare {TOTAL} "
        f"requests, eenplan about {SECONDS:g} s of requests; a redirect fails the run):"
    ]
    for label, url, expect in pages:
        body = fetch_page(url, token, expect)
        body_file = tmp / "page.html"
        body_file.write_bytes(body)
        bare_port = bench.free_port()
        bare = subprocess.Popen(
            [bench.PY, str(HERE / "bare.py"), str(bare_port), str(body_file), "text/html"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            bench.wait_for(f"http://127.0.0.1:{bare_port}/x")
            lines.append(f"  {label} ({len(body)} bytes of HTML):")
            for concurrency in bench.CONCURRENCIES:
                cookie = f"{COOKIE}={token}"
                probe = bench.load(url, "-", concurrency, total=PROBE, cookie=cookie, warmups=0)
                total = max(MIN_TOTAL, min(TOTAL, int(probe * SECONDS)))
                pairs = []
                for _ in range(PAIRS):
                    base_rps = bench.load(f"http://127.0.0.1:{bare_port}/page", "-", concurrency, warmups=1)
                    rps = bench.load(url, "-", concurrency, total=total, cookie=cookie, warmups=1)
                    pairs.append((rps, base_rps))
                rps, base_rps = sorted(pairs, key=lambda p: p[0] / p[1])[len(pairs) // 2]
                lines.append(
                    f"    concurrency {concurrency:3d}: bare aiohttp {base_rps:7.0f} req/s, eenplan {rps:7.0f} req/s "
                    f"({total} requests), ratio {rps / base_rps:5.2f}   (target ≥ 0.5)"
                )
        finally:
            bare.terminate()
            bare.wait()
    return lines


def main() -> None:
    """Seed a small demo, sign the mother in, serve it, and print the page ratios."""
    sys.path.insert(0, str(HERE))
    import run as bench

    from eenplan.config import Settings

    with tempfile.TemporaryDirectory(prefix="eenplan-bench-pages-") as tmp:
        env = {**os.environ, "EENPLAN_DATA_DIR": tmp, "EENPLAN_SECRET_KEY": "b" * 48, "EENPLAN_LOG_LEVEL": "WARNING"}
        demo = asyncio.run(bench.seed(Settings.from_env(env), 3))
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
            household = demo["household"]
            for line in compare(base, household["id"], household["name"], demo["page_token"], Path(tmp)):
                print(line)
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
