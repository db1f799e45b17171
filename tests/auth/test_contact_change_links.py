"""Links and sign-in addresses that change (issue 10, item 1): what was sent to an old address stops working."""

from __future__ import annotations

from authkit import link_tokens, settle
from support.helpers import bearer


async def _ask(client, demo, email: str) -> None:
    resp = await client.post("/auth/magic-link", json={"email": email})
    assert resp.status == 202
    await settle(client)


async def test_a_link_to_the_old_address_stops_working_when_the_address_changes(client, demo, capsys):
    oma = demo["by_name"]["Khadija El Amrani"]
    capsys.readouterr()
    await _ask(client, demo, oma["email"])
    (token,) = link_tokens(capsys.readouterr().out)
    resp = await client.patch(
        f"/api/households/{demo['household']['id']}/betrokkenen/{oma['id']}",
        json={"email": "oma.nieuw@example.org"},
        headers=bearer(oma),
    )
    assert resp.status == 200 and (await resp.json())["email"] == "oma.nieuw@example.org"
    assert (await client.post(f"/auth/magic-link/{token}")).status == 401


async def test_without_smtp_the_approval_link_is_printed_for_the_developer(client, demo, capsys):
    fatima = demo["by_name"]["Fatima El Amrani"]
    capsys.readouterr()
    resp = await client.patch(
        f"/api/households/{demo['household']['id']}/betrokkenen/{fatima['id']}",
        json={"email": "elders@example.org"},
        headers=bearer(demo["regisseur"]),
    )
    assert (await resp.json())["pending"] == {"email": "elders@example.org"}
    out = capsys.readouterr().out
    assert "DEV MAIL (no SMTP configured)" in out and fatima["id"] in out
    assert "elders@example.org" not in out and "fatima@example.org" not in out
    token = out.rsplit("/auth/contact-change/", 1)[1].split()[0]
    assert (await client.post(f"/auth/contact-change/{token}")).status == 200
    await _ask(client, demo, "elders@example.org")
    assert len(link_tokens(capsys.readouterr().out)) == 1


async def test_unknown_and_garbage_confirmation_links_get_one_answer(client, demo):
    answers = [await client.post(f"/auth/contact-change/{t}") for t in ("x", "A" * 43, "A" * 200)]
    assert {r.status for r in answers} == {401}
    assert {r.content_type for r in answers} == {"application/problem+json"}
    assert len({await r.text() for r in answers}) == 1
