"""Magic links: one link, one sign-in of the person, for 10 minutes, told to nobody but the betrokkene."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from authkit import link_tokens, settle
from support.helpers import bearer, plan_url

from eenplan.bootstrap import build_services
from eenplan.web.app import create_app


async def _ask(client, demo, email: str, **extra):
    resp = await client.post("/auth/magic-link", json={"email": email, **extra})
    await settle(client)  # the links are made and sent after the answer
    return resp


async def test_link_is_printed_when_no_smtp_and_signs_the_klant_in(client, demo, capsys):
    fatima = demo["by_name"]["Fatima El Amrani"]
    capsys.readouterr()
    resp = await _ask(client, demo, fatima["email"].upper())  # an address in any case is the same address
    assert resp.status == 202
    out = capsys.readouterr().out
    (token,) = link_tokens(out)
    assert fatima["id"] in out and "http://localhost:8080/auth/magic-link/" in out
    assert "Fatima" not in out and fatima["email"] not in out  # the console holds no names or addresses
    redeemed = await client.post(f"/auth/magic-link/{token}")
    assert redeemed.status == 200
    body = await redeemed.json()
    assert body["households"] == [demo["household"]["id"]]  # the person, in every household of the address
    assert len(body["session"]) == 43 and body["expires_at"] and body["second_factor"] is False
    plan = await client.get(plan_url(demo), headers={"Authorization": f"Bearer {body['session']}"})
    assert plan.status == 200


async def test_unknown_and_known_addresses_get_the_same_answer(client, demo, capsys):
    known = await _ask(client, demo, demo["by_name"]["Khadija El Amrani"]["email"])
    unknown = await _ask(client, demo, "nobody@example.org")
    assert known.status == unknown.status == 202
    assert await known.json() == await unknown.json()
    assert len(link_tokens(capsys.readouterr().out)) == 1  # only the known address got a link


async def test_removed_betrokkene_gets_no_link(client, demo, capsys):
    oma = demo["by_name"]["Khadija El Amrani"]
    resp = await client.delete(
        f"/api/households/{demo['household']['id']}/betrokkenen/{oma['id']}", headers=bearer(demo["regisseur"])
    )
    assert resp.status == 204
    capsys.readouterr()
    assert (await _ask(client, demo, oma["email"])).status == 202
    assert link_tokens(capsys.readouterr().out) == []


async def test_a_link_works_once(client, demo, capsys):
    await _ask(client, demo, demo["by_name"]["Khadija El Amrani"]["email"])
    (token,) = link_tokens(capsys.readouterr().out)
    assert (await client.post(f"/auth/magic-link/{token}")).status == 200
    again = await client.post(f"/auth/magic-link/{token}")
    assert again.status == 401 and again.content_type == "application/problem+json"


async def test_concurrent_redemptions_give_exactly_one_session(client, demo, capsys):
    await _ask(client, demo, demo["by_name"]["Youssef El Amrani"]["email"])
    (token,) = link_tokens(capsys.readouterr().out)
    answers = await asyncio.gather(*(client.post(f"/auth/magic-link/{token}") for _ in range(5)))
    assert sorted(r.status for r in answers) == [200] + [401] * 4


async def test_opening_the_link_does_not_use_it(client, demo, capsys):
    await _ask(client, demo, demo["by_name"]["Fatima El Amrani"]["email"])
    (token,) = link_tokens(capsys.readouterr().out)
    for _ in range(3):  # a mail scanner, a link preview, the person
        page = await client.get(f"/auth/magic-link/{token}")
        assert page.status == 200 and page.content_type == "text/html"
        text = await page.text()
        assert f'value="{token}"' in text and 'method="post"' in text
        assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert (await client.post(f"/auth/magic-link/{token}")).status == 200


async def test_link_expires_after_ten_minutes(client, demo, capsys, clock):
    await _ask(client, demo, demo["by_name"]["Fatima El Amrani"]["email"])
    await _ask(client, demo, demo["by_name"]["Khadija El Amrani"]["email"])
    first, second = link_tokens(capsys.readouterr().out)
    clock.advance(10 * 60 - 1)
    assert (await client.post(f"/auth/magic-link/{first}")).status == 200
    clock.advance(1)
    assert (await client.post(f"/auth/magic-link/{second}")).status == 401


async def test_unknown_used_and_garbage_links_get_one_answer(client, demo, capsys):
    await _ask(client, demo, demo["by_name"]["Fatima El Amrani"]["email"])
    (token,) = link_tokens(capsys.readouterr().out)
    await client.post(f"/auth/magic-link/{token}")
    answers = [await client.post(f"/auth/magic-link/{t}") for t in (token, "x", "A" * 43, "A" * 200)]
    assert {r.status for r in answers} == {401}
    assert len({await r.text() for r in answers}) == 1


async def test_a_request_gives_only_an_address(client, demo):
    """No household code nobody knows: the old household fields are refused by name, as is a bad address."""
    old_shape = await client.post("/auth/magic-link", json={"household_code": "DEMO-001", "email": "a@example.org"})
    bad_email = await client.post("/auth/magic-link", json={"email": "not an address"})
    assert old_shape.status == bad_email.status == 422
    assert "email" in str(await bad_email.json())


async def test_attempts_are_rate_limited(aiohttp_client, settings, clock, demo, capsys):
    strict = replace(settings, signin_target_limit=3, signin_ip_limit=5)
    svc = build_services(strict, clock=clock)
    try:
        client = await aiohttp_client(create_app(svc))
        oma = demo["by_name"]["Khadija El Amrani"]["email"]
        for _ in range(3):
            assert (await _ask(client, demo, oma)).status == 202
        limited = await _ask(client, demo, oma)
        assert limited.status == 429 and limited.content_type == "application/problem+json"
        assert int(limited.headers["Retry-After"]) >= 1
        assert len(link_tokens(capsys.readouterr().out)) == 3  # the refused attempt sent nothing
        # another address from the same IP still works until the per-IP limit
        assert (await _ask(client, demo, "other@example.org")).status == 202
        assert (await _ask(client, demo, "third@example.org")).status == 202
        assert (await _ask(client, demo, "fourth@example.org")).status == 429
        guessed = [await client.post(f"/auth/magic-link/{'A' * 43}") for _ in range(6)]
        assert [r.status for r in guessed][-1] == 429
        clock.advance(900)  # the window refills the buckets
        assert (await _ask(client, demo, oma)).status == 202
    finally:
        await svc.close()


async def test_behind_a_trusted_proxy_the_limit_is_per_client(aiohttp_client, settings, clock, demo):
    """X-Forwarded-For counts only when the peer is a trusted proxy, and then its nearest untrusted hop."""
    from eenplan.web.app import create_app as web_app

    strict = replace(settings, signin_ip_limit=2)
    for trusted, expect_second_client in ((frozenset(), 429), (frozenset({"127.0.0.1"}), 202)):
        svc = build_services(strict, clock=clock)
        try:
            client = await aiohttp_client(web_app(svc, trusted_proxies=trusted))

            async def ask(forwarded: str, client=client):
                return await client.post(
                    "/auth/magic-link",
                    headers={"X-Forwarded-For": forwarded},
                    json={"email": "nobody@example.org"},
                )

            # a client cannot escape its own limit by writing addresses into the header itself
            assert [(await ask(f"10.0.0.{n}, 203.0.113.7")).status for n in range(3)][-1] == 429
            assert (await ask("198.51.100.9")).status == expect_second_client
        finally:
            await svc.close()
