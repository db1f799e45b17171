"""A change that takes people out of who must consent tells them (issue 10, item 2, as a reviewer found it).

The reviewer changed a 13-year-old's birth date so that he alone decides: the request about him was re-opened
with only him required, he said "ja", and his mother, who had lost her say, was never told.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from support.helpers import bearer
from support.mail_helpers import drain

from eenplan.bootstrap import utc_now
from eenplan.domain.contact_changes import SUBJECT


@pytest.fixture
def clock():
    """The real clock: the outbox worker's passes run in real time."""
    return utc_now


@pytest.fixture
def settings(mail_settings):
    """Mail on (aiosmtpd peer, server keyring): notices go through the outbox."""
    return mail_settings


def _url(demo, path: str = "") -> str:
    return f"/api/households/{demo['household']['id']}{path}"


def _text(msg) -> str:
    return "".join(p.get_content() for p in msg.walk() if p.get_content_type() == "text/plain")


async def _request_about(client, demo, services, about_id: str) -> dict:
    body = {
        "grantee_id": demo["by_name"]["Khadija El Amrani"]["id"],
        "sections": ["analyse"],
        "level": "read",
        "purpose": "testen van delen met oma",
        "until": (services.plan.today() + timedelta(days=60)).isoformat(),  # the services' (Amsterdam) day
        "about_id": about_id,
    }
    resp = await client.post(_url(demo, "/toestemmingen"), json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def test_a_parent_cut_out_of_consent_by_a_birth_date_change_is_told(client, demo, services, smtp_peer):
    _, peer = smtp_peer
    fatima, youssef = demo["by_name"]["Fatima El Amrani"], demo["by_name"]["Youssef El Amrani"]
    consent = await _request_about(client, demo, services, youssef["id"])
    assert set(consent["required_consenters"]) == {fatima["id"], youssef["id"]}
    await drain(services.outbox)
    before = [m for m in peer.to("fatima@example.org") if m["Subject"] == SUBJECT]

    resp = await client.patch(
        _url(demo, f"/betrokkenen/{youssef['id']}"),
        json={"birth_date": date(services.plan.today().year - 17, 1, 1).isoformat()},  # 16 or 17: he decides alone
        headers=bearer(demo["regisseur"]),
    )
    assert resp.status == 200
    reopened = await client.get(_url(demo, f"/toestemmingen/{consent['id']}"), headers=bearer(demo["regisseur"]))
    assert (await reopened.json())["required_consenters"] == [youssef["id"]]

    await drain(services.outbox)
    told = [m for m in peer.to("fatima@example.org") if m["Subject"] == SUBJECT][len(before) :]
    assert len(told) == 1  # the mother, who no longer has a say, is told once — without content
    text = _text(told[0])
    assert "iets veranderd aan wie toestemming geeft" in text
    assert "Youssef" not in text and "analyse" not in text and "/auth/" not in text
    # Youssef is told his record changed, not that he lost a say he still has
    youssef_told = [_text(m) for m in peer.to("youssef@example.org") if m["Subject"] == SUBJECT]
    assert not any("iets veranderd aan wie toestemming geeft" in t for t in youssef_told)

    log = await (await client.get(_url(demo, "/toegangslog?limit=50"), headers=bearer(fatima))).json()
    change = [e["detail"] for e in log["entries"] if e["ground"] == "betrokkene gewijzigd"]
    assert any(
        d.startswith(f"betrokkene {youssef['id']}: geboortedatum gewijzigd; toestemmingen heropend: 1")
        and d.endswith("geven geen toestemming meer: 1")
        for d in change
    ), change


async def test_a_change_that_drops_nobody_tells_no_other_klant(client, demo, services, smtp_peer):
    _, peer = smtp_peer
    youssef = demo["by_name"]["Youssef El Amrani"]
    await _request_about(client, demo, services, youssef["id"])
    resp = await client.patch(
        _url(demo, f"/betrokkenen/{youssef['id']}"),
        json={"birth_date": date(services.plan.today().year - 14, 1, 1).isoformat()},  # 12–16: both still decide
        headers=bearer(demo["regisseur"]),
    )
    assert resp.status == 200
    await drain(services.outbox)
    texts = [_text(m) for m in peer.to("fatima@example.org") if m["Subject"] == SUBJECT]
    assert not any("iets veranderd aan wie toestemming geeft" in t for t in texts)
