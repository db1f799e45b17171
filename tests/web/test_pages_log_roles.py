"""Only a klant sees who looked and downloads everything: a netwerk member and a professional get 403 on
"Wie heeft ons plan bekeken", the inzage page and its download; someone else's household answers 404."""

from __future__ import annotations

import dataclasses

import pytest
from support.factor_pages import sign_in_by_link

from eenplan.config import Settings

KHADIJA = "khadija@example.org"
JOOST = "j.willems@shv.example.org"
PAGES = ("bekeken", "inzage", "inzage.zip")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor at sign-in: the professional reaches the pages, and the role alone refuses him."""
    return dataclasses.replace(settings, second_factor="off")


@pytest.mark.parametrize("email", [KHADIJA, JOOST])
async def test_a_netwerk_member_and_a_professional_get_403(client, demo, capsys, email):
    hid = demo["household"]["id"]
    await sign_in_by_link(client, capsys, email)
    for path in PAGES:
        resp = await client.get(f"/huishoudens/{hid}/{path}", allow_redirects=False)
        text = await resp.text()
        assert resp.status == 403 and "Geen toegang" in text, (path, resp.status)
        assert "Joost Willems" not in text or email == JOOST


async def test_a_household_that_is_not_yours_answers_404(client, demo, capsys):
    await sign_in_by_link(client, capsys, KHADIJA)
    for path in PAGES:
        resp = await client.get(f"/huishoudens/00000000-0000-4000-8000-000000000000/{path}", allow_redirects=False)
        assert resp.status == 404, path
