"""One sign-in per person across all their households (issue 11): the link signs in the person, who reaches
every household where their address belongs to an active betrokkene, and no other; a shared address asks who
you are; the second-factor policy and the access log's second factor; sign-out everywhere."""

from __future__ import annotations

from dataclasses import replace

import pyotp
import pytest
from authkit import link_tokens, settle
from support.helpers import bearer, plan_url

from eenplan.bootstrap import build_services
from eenplan.web.app import create_app

JOOST = "Joost Willems"
FATIMA = "Fatima El Amrani"


def _auth(session: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {session}"}


async def _session(client, capsys, email: str) -> str:
    """Ask for a link with only the address, take it from the console, redeem it: the session token."""
    capsys.readouterr()
    assert (await client.post("/auth/magic-link", json={"email": email})).status == 202
    await settle(client)
    (token,) = link_tokens(capsys.readouterr().out)
    redeemed = await client.post(f"/auth/magic-link/{token}")
    assert redeemed.status == 200, await redeemed.text()
    return (await redeemed.json())["session"]


async def _new_household(client, demo, code: str, name: str) -> tuple[str, str]:
    """A household opened by the demo regisseur: its id and the regisseur's token there."""
    created = await client.post(
        "/api/households", json={"code": code, "name": name, "gemeente": "Heerlen"}, headers=bearer(demo["regisseur"])
    )
    assert created.status == 201, await created.text()
    body = await created.json()
    return body["household"]["id"], body["token"]


async def _add(client, household_id: str, token: str, **person) -> str:
    resp = await client.post(f"/api/households/{household_id}/betrokkenen", json=person, headers=_auth(token))
    assert resp.status == 201, await resp.text()
    return (await resp.json())["id"]


pytestmark = pytest.mark.both_databases  # outer joins, a unique person per address, concurrent first sign-ins


@pytest.fixture
def settings(settings):
    """Plan content opens without a second factor for professionals here (the policy has its own tests)."""
    return replace(settings, second_factor="off")


async def test_a_professional_in_two_households_signs_in_once_and_reaches_both(client, demo, capsys):
    joost = demo["by_name"][JOOST]
    other, there = await _new_household(client, demo, "H-TWEE-002", "Huishouden Jansen")
    third, _ = await _new_household(client, demo, "H-DRIE-003", "Huishouden Zonder Joost")
    await _add(client, other, there, name=JOOST, kind="professional", role="hulpverlener", email=joost["email"].upper())

    session = await _session(client, capsys, joost["email"])
    households = (await (await client.get("/api/households", headers=_auth(session))).json())["households"]
    assert sorted((h["id"], h["role"]) for h in households) == sorted(
        [(demo["household"]["id"], "hulpverlener"), (other, "hulpverlener")]
    )
    assert {h["name"] for h in households} == {demo["household"]["name"], "Huishouden Jansen"}
    for household_id in (demo["household"]["id"], other):
        resp = await client.get(f"/api/households/{household_id}/plan", headers=_auth(session))
        assert resp.status == 200, await resp.text()
    # the third household, where Joost is nobody, answers exactly as a household that does not exist
    not_mine = await client.get(f"/api/households/{third}/plan", headers=_auth(session))
    missing = await client.get(f"/api/households/{'0' * 36}/plan", headers=_auth(session))
    assert not_mine.status == missing.status == 404 and await not_mine.json() == await missing.json()
    # the regisseur's own session reaches all three households she opened or works in
    sanne = await _session(client, capsys, demo["regisseur"]["email"])
    listed = (await (await client.get("/api/households", headers=_auth(sanne))).json())["households"]
    assert {h["id"] for h in listed} == {demo["household"]["id"], other, third}


async def test_a_stranger_gets_no_link_and_no_household(client, demo, capsys):
    capsys.readouterr()
    assert (await client.post("/auth/magic-link", json={"email": "stranger@elders.example.org"})).status == 202
    await settle(client)
    assert link_tokens(capsys.readouterr().out) == []


async def test_a_shared_address_asks_who_you_are_in_that_household(client, demo, services, capsys):
    fatima = demo["by_name"][FATIMA]
    hh = demo["household"]["id"]
    # the grandmother is recorded with the mother's address (a shared family address)
    resp = await client.post(
        f"/api/households/{hh}/betrokkenen",
        json={"name": "Aicha El Amrani", "kind": "netwerk", "role": "mantelzorger", "email": fatima["email"]},
        headers=bearer(demo["regisseur"]),
    )
    assert resp.status == 201, await resp.text()
    aicha = (await resp.json())["id"]
    session = await _session(client, capsys, fatima["email"])
    blocked = await client.get(plan_url(demo), headers=_auth(session))
    assert blocked.status == 403 and (await blocked.json())["type"].endswith("choice-required")
    (choice,) = await services.people.choices(session)
    assert {o[0] for o in choice.options} == {fatima["id"], aicha}
    with pytest.raises(Exception, match="choose one"):
        await services.people.choose(session, hh, demo["by_name"][JOOST]["id"])  # not one of hers
    await services.people.choose(session, hh, aicha)
    assert (await client.get(plan_url(demo), headers=_auth(session))).status == 200
    listed = (await (await client.get("/api/households", headers=_auth(session))).json())["households"]
    assert [(h["betrokkene_id"], h["chosen"]) for h in listed] == [(aicha, True)]


async def test_removal_and_a_changed_address_end_access_to_that_household_only(client, demo, capsys):
    fatima = demo["by_name"][FATIMA]
    other, there = await _new_household(client, demo, "H-ANDER-7", "Huishouden Oma")
    await _add(client, other, there, name=FATIMA, kind="netwerk", role="mantelzorger", email=fatima["email"])
    session = await _session(client, capsys, fatima["email"])
    assert (await client.get(plan_url(demo), headers=_auth(session))).status == 200
    # she changes her address in the demo household (her own credential): the old one stops reaching it there
    changed = await client.patch(
        f"/api/households/{demo['household']['id']}/betrokkenen/{fatima['id']}",
        json={"email": "fatima.nieuw@example.org"},
        headers=bearer(fatima),
    )
    assert changed.status == 200, await changed.text()
    assert (await client.get(plan_url(demo), headers=_auth(session))).status == 404
    listed = (await (await client.get("/api/households", headers=_auth(session))).json())["households"]
    assert [h["id"] for h in listed] == [other]  # the session lives on for the other household
    assert (await client.get(f"/api/households/{other}/plan", headers=_auth(session))).status == 200


async def test_an_address_that_reaches_nobody_any_more_ends_its_sessions(client, demo, capsys):
    oma = demo["by_name"]["Khadija El Amrani"]
    session = await _session(client, capsys, oma["email"])
    resp = await client.delete(
        f"/api/households/{demo['household']['id']}/betrokkenen/{oma['id']}", headers=bearer(demo["regisseur"])
    )
    assert resp.status == 204
    # nothing is left to reach; whoever is given the address next must not find this session (or its factors)
    assert (await client.get("/api/households", headers=_auth(session))).status == 401


async def test_sign_out_everywhere_ends_every_session_of_the_person(client, demo, services, capsys):
    email = demo["by_name"][FATIMA]["email"]
    first, second = await _session(client, capsys, email), await _session(client, capsys, email)
    other = await _session(client, capsys, demo["by_name"]["Khadija El Amrani"]["email"])
    assert len(await services.sessions.sessions_of(first)) == 2
    assert await services.sessions.sign_out_everywhere(first) == 2
    for token in (first, second):
        assert (await client.get(plan_url(demo), headers=_auth(token))).status == 401
    assert (await client.get(plan_url(demo), headers=_auth(other))).status == 200  # someone else's stays


async def test_a_session_opens_a_household_and_its_token_is_its_own(client, demo, capsys):
    session = await _session(client, capsys, demo["regisseur"]["email"])
    created = await client.post(
        "/api/households",
        json={"code": "H-VIER-004", "name": "Huishouden Vier", "gemeente": "Heerlen"},
        headers=_auth(session),
    )
    assert created.status == 201, await created.text()
    fatima_session = await _session(client, capsys, demo["by_name"][FATIMA]["email"])
    refused = await client.post(
        "/api/households",
        json={"code": "H-VIJF-005", "name": "Vijf", "gemeente": "Heerlen"},
        headers=_auth(fatima_session),
    )
    assert refused.status == 403  # a klant is no regisseur anywhere


# -- the second-factor policy ----------------------------------------------------------------------------------


async def _with_policy(aiohttp_client, settings, clock, policy: str):
    svc = build_services(replace(settings, second_factor=policy), clock=clock)
    return svc, await aiohttp_client(create_app(svc))


async def test_by_default_a_professional_reads_nothing_before_the_second_factor(
    aiohttp_client, settings, clock, demo, capsys
):
    svc, client = await _with_policy(aiohttp_client, settings, clock, "professionals")
    try:
        joost = await _session(client, capsys, demo["by_name"][JOOST]["email"])
        fatima = await _session(client, capsys, demo["by_name"][FATIMA]["email"])
        for path in (plan_url(demo), "/api/households"):
            resp = await client.get(path, headers=_auth(joost))
            assert resp.status == 403 and (await resp.json())["type"].endswith("second-factor-required"), path
        assert (await client.get(plan_url(demo), headers=_auth(fatima))).status == 200  # a klant reads
        # Joost sets up an authenticator app: his first factor completes the step for this session
        setup = await svc.account.start_totp(joost)
        _, rotated = await svc.account.confirm_totp(joost, setup.setup_id, pyotp.TOTP(setup.secret).now(), "127.0.0.1")
        assert rotated is not None and rotated.second_factor
        assert (await client.get(plan_url(demo), headers=_auth(joost))).status == 401  # the old token ended
        assert (await client.get(plan_url(demo), headers=_auth(rotated.token))).status == 200
        out = capsys.readouterr().out
        assert "a way of signing in was added" in out  # the person is told (console without SMTP)
    finally:
        await svc.close()


async def test_with_everyone_a_klant_needs_it_too_and_off_lets_a_professional_read(
    aiohttp_client, settings, clock, demo, capsys
):
    svc, client = await _with_policy(aiohttp_client, settings, clock, "everyone")
    try:
        fatima = await _session(client, capsys, demo["by_name"][FATIMA]["email"])
        assert (await client.get(plan_url(demo), headers=_auth(fatima))).status == 403
    finally:
        await svc.close()
    svc, client = await _with_policy(aiohttp_client, settings, clock, "off")
    try:
        joost = await _session(client, capsys, demo["by_name"][JOOST]["email"])
        assert (await client.get(plan_url(demo), headers=_auth(joost))).status == 200
    finally:
        await svc.close()


async def test_the_access_log_always_needs_a_second_factor(client, services, demo, capsys):
    fatima = await _session(client, capsys, demo["by_name"][FATIMA]["email"])
    log_url = f"/api/households/{demo['household']['id']}/toegangslog"
    refused = await client.get(log_url, headers=_auth(fatima))
    assert refused.status == 403 and (await refused.json())["type"].endswith("second-factor-required")
    setup = await services.account.start_totp(fatima)
    _, rotated = await services.account.confirm_totp(
        fatima, setup.setup_id, pyotp.TOTP(setup.secret).now(), "127.0.0.1"
    )
    assert (await client.get(log_url, headers=_auth(rotated.token))).status == 200
    # once she has a factor, a new sign-in by link alone does not read it, and cannot add a factor
    again = await _session(client, capsys, demo["by_name"][FATIMA]["email"])
    assert (await client.get(log_url, headers=_auth(again))).status == 403
    with pytest.raises(Exception, match="second factor"):
        await services.account.start_totp(again)


async def test_two_first_sign_ins_of_one_address_at_once_make_one_person(client, demo, services, capsys):
    import asyncio

    email = demo["by_name"]["Youssef El Amrani"]["email"]
    capsys.readouterr()
    for _ in range(2):
        assert (await client.post("/auth/magic-link", json={"email": email})).status == 202
    await settle(client)
    first, second = link_tokens(capsys.readouterr().out)
    answers = await asyncio.gather(*(client.post(f"/auth/magic-link/{t}") for t in (first, second)))
    assert [r.status for r in answers] == [200, 200]
    sessions = [(await r.json())["session"] for r in answers]
    people = {(await services.sessions.person_session(s)).person_id for s in sessions}
    assert len(people) == 1  # one person, two sessions
