"""Helpers for the sign-in tests: the test provider's accounts, magic links taken from the console."""

from __future__ import annotations

import re

APP_URL = "http://eenplan.test"
CLIENT_ID = "eenplan-test"
CLIENT_SECRET = "eenplan-test-client-secret-0123456789"
#: The provider's accounts: the login name is the `sub`.
ACCOUNTS = {
    "joost": {"email": "j.willems@shv.example.org", "email_verified": True},
    "joost-other-account": {"email": "j.willems@shv.example.org", "email_verified": True},
    "stranger": {"email": "stranger@elders.example.org", "email_verified": True},
    "inge-unverified": {"email": "i.bakker@jeugdteam.example.org", "email_verified": False},
    "khadija": {"email": "khadija@example.org", "email_verified": True},
}
LINK = re.compile(r"https?://\S+/auth/magic-link/([A-Za-z0-9_-]{43})")


async def settle(client) -> None:
    """Wait for the sign-in links accepted so far to be looked up and sent (the answer comes before that)."""
    from eenplan.web.keys import SERVICES

    await client.app[SERVICES].signin.settle()


def link_tokens(text: str) -> list[str]:
    """The magic-link tokens printed in console output."""
    return LINK.findall(text)


async def sign_in_by_link(client, capsys, demo, name: str) -> str:
    """Ask for a link as a demo betrokkene, take it from the console, redeem it; the session token."""
    person = demo["by_name"][name]
    capsys.readouterr()
    resp = await client.post("/auth/magic-link", json={"email": person["email"]})
    assert resp.status == 202, await resp.text()
    await settle(client)
    (token,) = link_tokens(capsys.readouterr().out)
    redeemed = await client.post(f"/auth/magic-link/{token}")
    assert redeemed.status == 200, await redeemed.text()
    return (await redeemed.json())["session"]
