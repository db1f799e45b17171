"""Browser test fixtures: the real server on a TCP port with a real SMTP peer, and Debian's chromium via Playwright.

The server runs in the test's own event loop (aiohttp AppRunner + TCPSite) rather than as an `eenplan serve`
subprocess: the same `bootstrap.create_app` (with the outbox worker as in `serve`), but the test issues API
tokens through the very services the server uses and moves the server's clock (`site.clock`), there is no
process to start, poll and kill, and a failing request shows its traceback in the test's output. Chromium is a
separate process, so the browser and the server never block each other.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

sys.path.insert(0, str(Path(__file__).parent))

from aiohttp import web
from harness import AXE, Mailbox, Site
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
from support.mail_fixtures import MAIL_DOMAIN, SECRET
from support.smtp import free_port

from eenplan.bootstrap import create_app
from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.web.keys import SERVICES

CHROMIUM = Path("/usr/bin/chromium")
#: how long a wait (a page, an element) may take before it counts as never coming — not a speed assertion
WAIT_MS = 10_000
expect.set_options(timeout=WAIT_MS)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(what: str) -> None:
    """Skip with the reason, or fail where CI must run the browser tests (`make test` sets the variable)."""
    if os.environ.get("EENPLAN_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{what} (make test installs it)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def mother_key() -> Iterator[Any]:
    """The mother's own OpenPGP key, in its own GNUPGHOME (made once per session)."""
    from eenplan_crypto.testing import create_keys

    keys = create_keys({"Fatima El Amrani": ("good", "Fatima <fatima@example.org>")})
    yield keys["Fatima El Amrani"]
    keys["Fatima El Amrani"].cleanup()


@pytest.fixture
def site_overrides() -> dict[str, Any]:
    """Settings a test module changes for its server (override this fixture)."""
    return {}


@pytest_asyncio.fixture(loop_scope="session")
async def site(tmp_path, demo_templates, clock, smtp_peer, server_gnupg, site_overrides) -> AsyncIterator[Site]:
    """The app from `eenplan.bootstrap` on http://localhost:<port> with the demo household (a copy of the
    session's seeded template), the outbox worker sending to a real aiosmtpd peer. localhost is a secure
    context, so WebAuthn works without TLS."""
    database_url, demo = demo_templates.database("sqlite", clock, tmp_path)
    port = free_port()
    settings = Settings(
        **{
            "data_dir": tmp_path / "var",
            "database_url": database_url,
            "secret_key": SECRET,
            "smtp_url": smtp_peer[0],
            "gnupg_home": str(server_gnupg),
            "public_url": f"http://localhost:{port}",
            "mail_domain": MAIL_DOMAIN,
            "host": "127.0.0.1",
            "port": port,
            "outbox_backoff_seconds": 1,
            "outbox_poll_seconds": 1,
            **site_overrides,
        }
    )
    app = create_app(settings, clock=clock)
    services = app[SERVICES]
    for person in demo["betrokkenen"]:  # API tokens of this server (the regisseur opens households with hers)
        person["token"] = services.tokens.issue(Principal(person["id"], demo["household"]["id"]))
    assert services.outbox is not None
    while (await services.outbox.run_once()).claimed:
        pass  # the demo's own notices (its plan's version 2) go out first: each test starts with an empty mailbox
    smtp_peer[1].messages.clear()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()  # starts the outbox worker (bootstrap.worker_context)
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield Site(f"http://localhost:{port}", settings, services, demo, Mailbox(smtp_peer[1]), clock)
    finally:
        await runner.cleanup()  # stops the worker, closes the services


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian's chromium, headless, driven by Playwright's async API (never a downloaded browser); one for the
    session (the browser tests run on the session's event loop), each test in its own fresh context."""
    if not CHROMIUM.exists():
        _missing(f"Debian's chromium is missing ({CHROMIUM})")
    if not AXE.exists():
        _missing(f"axe-core is missing ({AXE}; run npm ci in tests/web)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def context(browser: Browser, site: Site) -> AsyncIterator[BrowserContext]:
    """A fresh browser profile on the site; bypass_csp only so axe can be injected (test_csp checks the CSP holds)."""
    ctx = await browser.new_context(base_url=site.url, bypass_csp=True, locale="nl-NL")
    ctx.set_default_timeout(WAIT_MS)
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(context: BrowserContext) -> Page:
    """One tab in the fresh profile."""
    return await context.new_page()
