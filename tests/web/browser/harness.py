"""The browser tests' tools: the running site, its mailbox, and the page check (axe, screenshot, 320 px)."""

from __future__ import annotations

import asyncio
import email.message
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Page
from support.clock import MovableClock
from support.mail_helpers import open_encrypted
from support.smtp import Peer

from eenplan.config import Settings
from eenplan.services.container import Services

REPO = Path(__file__).resolve().parents[3]
AXE = REPO / "tests" / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "test-output" / "screenshots"
#: WCAG 2.1 level A and AA, as axe-core tags them
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NARROW = 320  # WCAG 1.4.10 reflow: content fits 320 CSS px without scrolling sideways
LINK = re.compile(r"https?://[^\s<>\"]+/auth/magic-link/[A-Za-z0-9_-]{43}[^\s<>\"]*")
#: how long to wait for a mail; a deadline for a wait, not an assertion about speed
MAIL_WAIT_SECONDS = 30.0


@dataclass
class Mailbox:
    """The real SMTP peer's messages, read per address in arrival order."""

    peer: Peer
    read: dict[str, int] = field(default_factory=dict)

    def texts(self, msg: email.message.EmailMessage) -> str:
        """Every text/plain part of a message (a signed notice keeps its text in the clear)."""
        return "\n".join(str(part.get_content()) for part in msg.walk() if part.get_content_type() == "text/plain")

    async def next_mail(self, address: str, *, containing: re.Pattern[str] | None = None) -> email.message.EmailMessage:
        """The next unread mail to `address` (whose text matches `containing`, others are passed over)."""
        deadline = asyncio.get_running_loop().time() + MAIL_WAIT_SECONDS
        while True:
            messages = self.peer.to(address)
            start = self.read.get(address, 0)
            for index in range(start, len(messages)):
                self.read[address] = index + 1
                if containing is None or containing.search(self.texts(messages[index])):
                    return messages[index]
            if asyncio.get_running_loop().time() > deadline:
                seen = [str(m["Subject"]) for m in messages]
                raise AssertionError(f"no mail to {address} within {MAIL_WAIT_SECONDS} s; it has {seen}")
            await asyncio.sleep(0.05)

    async def next_link(self, address: str, key: Any = None) -> str:
        """The sign-in link of the next sign-in mail to `address`: in a signed notice the link is in clear;
        to a pinned `key` (eenplan_crypto.testing.TestKey) the mail is PGP/MIME, opened with the gpg CLI."""
        if key is None:
            msg = await self.next_mail(address, containing=LINK)
            assert msg.get_content_type() == "multipart/signed", msg.get_content_type()
            found = LINK.search(self.texts(msg))
        else:
            while True:
                msg = await self.next_mail(address)
                assert not LINK.search(msg.as_string())  # never in clear to a pinned key
                if msg.get_content_type() != "multipart/encrypted":
                    continue  # a notice (the key was pinned, …)
                inner, _status = open_encrypted(msg, key)
                found = LINK.search(self.texts(inner)) if inner is not None else None
                if found:
                    break
        assert found is not None
        return found.group(0)

    def count(self, address: str) -> int:
        """How many mails `address` has received so far."""
        return len(self.peer.to(address))


@dataclass
class Site:
    """The real server on a TCP port: its public URL, its services (same loop), the demo, the mailbox."""

    url: str
    settings: Settings
    services: Services
    demo: dict[str, Any]
    mail: Mailbox
    clock: MovableClock  # the server's clock: it stands still until a test moves it
    regisseur_tokens: dict[str, str] = field(default_factory=dict)  # households a test opened: their regisseur's

    def person(self, name: str) -> dict[str, Any]:
        """A demo betrokkene by name (id, email, role, token)."""
        return next(b for b in self.demo["betrokkenen"] if b["name"] == name)

    @property
    def household_id(self) -> str:
        """The demo household's id."""
        return str(self.demo["household"]["id"])


def _readable(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node.get('failureSummary', '').replace(chr(10), ' ')}")
    return "\n".join(lines)


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core's WCAG 2.1 A + AA rules on the page as it is now (needs a context with bypass_csp)."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "async (tags) => { const r = await axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});"
        " return JSON.stringify(r.violations); }",
        WCAG_TAGS,
    )
    return list(json.loads(result))


async def check_page(page: Page, name: str) -> None:
    """Every page a test visits: 0 axe violations, a full-page screenshot, and no sideways scroll at 320 px."""
    await page.wait_for_load_state("load")
    violations = await axe_violations(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert not violations, f"axe found {len(violations)} WCAG 2.1 A/AA violation(s) on {page.url}:\n" + _readable(
        violations
    )
    size = page.viewport_size or {"width": 1280, "height": 800}
    await page.set_viewport_size({"width": NARROW, "height": 640})
    try:
        width = await page.evaluate("() => document.documentElement.scrollWidth")
        await page.screenshot(path=str(SCREENSHOTS / f"{name}-{NARROW}px.png"), full_page=True)
        assert width <= NARROW, f"{page.url} scrolls sideways at {NARROW} px: content is {width} px wide"
    finally:
        await page.set_viewport_size(size)


async def add_virtual_authenticator(page: Page) -> Any:
    """Chromium's virtual platform authenticator over CDP (resident keys, user verification); the CDP session."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    answer = await cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    cdp.authenticator_id = answer["authenticatorId"]  # type: ignore[attr-defined]
    return cdp


async def authenticator_credentials(cdp: Any) -> list[dict[str, Any]]:
    """The credentials the virtual authenticator holds."""
    answer = await cdp.send("WebAuthn.getCredentials", {"authenticatorId": cdp.authenticator_id})
    return list(answer["credentials"])
