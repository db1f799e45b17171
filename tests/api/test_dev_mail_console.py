"""Without SMTP the sign-in link goes to the console for the developer: marked, with an id, no name or address."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from eenplan.domain.betrokkene import Betrokkene
from eenplan.web.keys import SERVICES
from eenplan.web.signin_links import ConsoleLinkSender

LINK = re.compile(r"https?://\S+/auth/magic-link/([A-Za-z0-9_-]{43})")


async def _settle(client) -> None:
    settle = getattr(client.app[SERVICES].signin, "settle", None)
    if settle is not None:  # links may be sent after the answer
        await settle()


async def test_dev_console_shows_the_link_and_the_id_but_no_name_or_address(client, demo, capsys, caplog):
    person = demo["by_name"]["Fatima El Amrani"]
    capsys.readouterr()
    resp = await client.post("/auth/magic-link", json={"email": person["email"]})
    assert resp.status == 202
    await _settle(client)
    out = capsys.readouterr()
    console = out.out + out.err + caplog.text
    assert "DEV MAIL (no SMTP configured)" in out.out
    assert person["id"] in out.out
    assert len(LINK.findall(out.out)) == 1  # `make run` demo sign-in still works from the console
    assert "Fatima" not in console and "El Amrani" not in console
    assert person["email"] not in console and person["email"].split("@")[0] not in console


async def test_with_smtp_set_the_console_never_holds_the_link(capsys):
    sender = ConsoleLinkSender(smtp_configured=True)
    person = Betrokkene.__new__(Betrokkene)
    object.__setattr__(person, "id", "b-1")
    await sender.send_link(
        person, "https://plan.example.org/auth/magic-link/" + "x" * 43, datetime.now(UTC) + timedelta(minutes=15)
    )
    out = capsys.readouterr()
    assert "magic-link" not in out.out + out.err and "b-1" in out.err
