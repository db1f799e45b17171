"""Sessions (ASVS level 3): idle timeout, absolute lifetime, a new token per sign-in, sign-out, removal."""

from __future__ import annotations

from authkit import sign_in_by_link
from support.helpers import bearer, plan_url

FATIMA = "Fatima El Amrani"
OMA = "Khadija El Amrani"


def _auth(session: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {session}"}


async def _reads(client, demo, session: str) -> int:
    return (await client.get(plan_url(demo), headers=_auth(session))).status


async def test_every_sign_in_gets_a_new_token(client, demo, capsys):
    first = await sign_in_by_link(client, capsys, demo, FATIMA)
    second = await sign_in_by_link(client, capsys, demo, FATIMA)
    assert first != second
    assert await _reads(client, demo, first) == await _reads(client, demo, second) == 200


async def test_idle_timeout_ends_a_session_and_activity_keeps_it(client, demo, capsys, clock):
    session = await sign_in_by_link(client, capsys, demo, FATIMA)
    for _ in range(3):
        clock.advance(899)
        assert await _reads(client, demo, session) == 200
    clock.advance(900)
    resp = await client.get(plan_url(demo), headers=_auth(session))
    assert resp.status == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")


async def test_last_seen_is_recorded_at_most_once_a_minute(client, demo, capsys, clock):
    session = await sign_in_by_link(client, capsys, demo, FATIMA)
    clock.advance(30)
    assert await _reads(client, demo, session) == 200  # within the minute: not written
    clock.advance(871)  # 901 s after sign-in, 871 s after the last request
    assert await _reads(client, demo, session) == 401


async def test_absolute_lifetime_ends_even_an_active_session(client, demo, capsys, clock):
    session = await sign_in_by_link(client, capsys, demo, FATIMA)
    for _ in range(35):
        clock.advance(800)
        assert await _reads(client, demo, session) == 200
    clock.advance(800)  # 8 hours after sign-in
    assert await _reads(client, demo, session) == 401


async def test_sign_out_ends_the_session_at_once(client, demo, capsys):
    session = await sign_in_by_link(client, capsys, demo, OMA)
    other = await sign_in_by_link(client, capsys, demo, OMA)
    assert (await client.post("/auth/logout", headers=_auth(session))).status == 204
    assert await _reads(client, demo, session) == 401
    assert (await client.post("/auth/logout", headers=_auth(session))).status == 401
    assert await _reads(client, demo, other) == 200  # the other device stays signed in


async def test_sign_out_needs_a_session(client, demo):
    assert (await client.post("/auth/logout")).status == 401
    jwt = await client.post("/auth/logout", headers=bearer(demo["regisseur"]))
    assert jwt.status == 422  # API tokens are not sessions; they end at their expiry


async def test_removal_ends_access_to_that_household_at_once_not_the_session(client, demo, capsys):
    session = await sign_in_by_link(client, capsys, demo, OMA)
    assert await _reads(client, demo, session) == 200
    resp = await client.delete(
        f"/api/households/{demo['household']['id']}/betrokkenen/{demo['by_name'][OMA]['id']}",
        headers=bearer(demo["regisseur"]),
    )
    assert resp.status == 204
    # her only household: the address reaches nobody now, so its sessions end (tests/auth/test_person_sessions.py
    # has the person in two households, whose session lives on for the other one)
    assert (await client.get(plan_url(demo), headers=_auth(session))).status == 401


async def test_made_up_session_tokens_are_refused(client, demo):
    for token in ("A" * 43, "short", "x" * 400, "ÿ" * 43):
        resp = await client.get(plan_url(demo), headers={"Authorization": f"Bearer {token}"})
        assert resp.status == 401 and resp.content_type == "application/problem+json"


async def test_api_tokens_keep_working_next_to_sessions(client, demo, capsys):
    session = await sign_in_by_link(client, capsys, demo, FATIMA)
    assert await _reads(client, demo, session) == 200
    assert (await client.get(plan_url(demo), headers=bearer(demo["by_name"][FATIMA]))).status == 200


async def test_a_session_only_opens_its_own_household(client, demo, capsys):
    created = await client.post(
        "/api/households",
        json={"code": "H-OTHER-2", "name": "Ander huishouden", "gemeente": "Heerlen"},
        headers=bearer(demo["regisseur"]),
    )
    assert created.status == 201
    other = (await created.json())["household"]["id"]
    session = await sign_in_by_link(client, capsys, demo, FATIMA)
    assert (await client.get(f"/api/households/{other}/plan", headers=_auth(session))).status == 404
