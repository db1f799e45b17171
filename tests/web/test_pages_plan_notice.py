"""A plan update to someone without a key (a content-free notice) leads to their "Ons plan" page, where they
read it after signing in. Through the real outbox path: a real aiosmtpd peer, the signed notice."""

from __future__ import annotations

import pytest
from support.mail_helpers import bearer, drain

from eenplan.bootstrap import utc_now
from eenplan.config import Settings


@pytest.fixture
def clock():
    """The real clock: the worker's retries run in real time."""
    return utc_now


@pytest.fixture
def settings(mail_settings) -> Settings:
    """Mail on: the aiosmtpd peer and a short server keyring."""
    return mail_settings


def _texts(message) -> str:
    return "\n".join(part.get_content() for part in message.walk() if part.get_content_type() == "text/plain")


async def test_the_grandmothers_notice_links_to_the_plan_page(client, demo, services, smtp_peer):
    _, peer = smtp_peer
    await drain(services.outbox)  # the demo's own version
    peer.messages.clear()
    hid = demo["household"]["id"]
    headers = bearer(demo["regisseur"])
    current = await (await client.get(f"/api/households/{hid}/plan", headers=headers)).json()
    algemeen = current["sections"]["algemeen"]
    algemeen["coordinatie"] += " Bijgewerkt."  # a section she may read: her view changes
    resp = await client.patch(
        f"/api/households/{hid}/plan",
        headers={**headers, "If-Match": f'"{current["version"]}"'},
        json={"algemeen": algemeen},
    )
    assert resp.status == 200, await resp.text()
    await drain(services.outbox)
    [notice] = peer.to(demo["by_name"]["Khadija El Amrani"]["email"])
    assert notice.get_content_type() == "multipart/signed"  # no key: the content-free notice
    text = _texts(notice)
    assert f"https://plan.example.org/huishoudens/{hid}/plan" in text
    assert "Bijgewerkt" not in text
