"""What an outside-in review of the person sign-in found (issue 11), each held by a test that fails without its fix:
a regisseur recording a klant with her own address, a mail link alone moving an account that has a factor, an
address handed on with its old holder's factors, tokens that outlive a sign-out, sign-in mail routed through a
newer household, a rotated session living longer, the operator's reset."""

from __future__ import annotations

import os
from dataclasses import replace

import pyotp
import pytest
from authkit import link_tokens, settle
from support.cli import run_cli
from support.helpers import bearer, plan_url

from eenplan.domain.errors import SecondFactorRequired, ValidationFailed
from eenplan.domain.signin import RateLimited
from eenplan.web.problems import from_error

FATIMA = "Fatima El Amrani"
JOOST = "Joost Willems"


def _auth(session: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {session}"}


def _hh(demo, suffix: str = "") -> str:
    return f"/api/households/{demo['household']['id']}{suffix}"


async def _session(client, capsys, email: str) -> str:
    capsys.readouterr()
    assert (await client.post("/auth/magic-link", json={"email": email})).status == 202
    await settle(client)
    (token,) = link_tokens(capsys.readouterr().out)
    redeemed = await client.post(f"/auth/magic-link/{token}")
    assert redeemed.status == 200, await redeemed.text()
    return (await redeemed.json())["session"]


async def _with_app(services, session: str, clock=None) -> tuple[str, str]:
    """Set up an authenticator app from a session without factors: (the rotated session, the app's secret)."""
    setup = await services.account.start_totp(session)
    totp = pyotp.TOTP(setup.secret)
    code = totp.at(clock().timestamp()) if clock else totp.now()
    _, rotated = await services.account.confirm_totp(session, setup.setup_id, code, "t")
    assert rotated is not None
    return rotated.token, setup.secret


@pytest.fixture
def settings(settings):
    return replace(settings, second_factor="off")


async def test_a_regisseur_cannot_record_a_klant_with_her_own_address(client, demo):
    body = {"name": "Mevrouw Stroman", "kind": "klant", "role": "ouder", "email": demo["regisseur"]["email"].upper()}
    resp = await client.post(_hh(demo, "/betrokkenen"), json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 422 and "email" in str(await resp.json())
    fatima = demo["by_name"][FATIMA]
    moved = await client.patch(
        _hh(demo, f"/betrokkenen/{fatima['id']}"), json={"email": demo["regisseur"]["email"]}, headers=bearer(fatima)
    )
    assert moved.status == 422  # nor does the klant's record take the professional's address later


async def test_a_mail_link_alone_does_not_move_an_account_that_has_a_factor(client, demo, services, capsys):
    fatima = demo["by_name"][FATIMA]
    await _with_app(services, await _session(client, capsys, fatima["email"]))
    link_only = await _session(client, capsys, fatima["email"])
    url = _hh(demo, f"/betrokkenen/{fatima['id']}")
    refused = await client.patch(url, json={"email": "attacker@evil.example"}, headers=_auth(link_only))
    assert refused.status == 403 and (await refused.json())["type"].endswith("second-factor-required")
    assert (await (await client.get(url, headers=bearer(fatima))).json())["email"] == fatima["email"]


async def test_an_address_handed_on_leaves_its_factors_and_sessions_behind(client, demo, services, capsys):
    fatima = demo["by_name"][FATIMA]
    old = fatima["email"]
    with_factor, _ = await _with_app(services, await _session(client, capsys, old))
    person_id = (await services.sessions.person_session(with_factor)).person_id
    moved = await client.patch(
        _hh(demo, f"/betrokkenen/{fatima['id']}"),
        json={"email": "fatima.nieuw@example.org"},
        headers=_auth(with_factor),
    )
    assert moved.status == 200, await moved.text()
    assert not (await services.factors.summary(person_id)).has_factor  # the old address took its app along
    assert (await client.get("/api/households", headers=_auth(with_factor))).status == 401  # and its sessions
    # the old address, recorded for someone else, signs that person in with nothing of Fatima's
    added = await client.post(
        _hh(demo, "/betrokkenen"),
        json={"name": "Nieuwe Buurvrouw", "kind": "netwerk", "role": "netwerklid", "email": old},
        headers=bearer(demo["regisseur"]),
    )
    assert added.status == 201
    newcomer = await _session(client, capsys, old)
    view, summary, may_change = await services.account.overview(newcomer)
    assert view.person_id == person_id and not summary.can_pass_second_step and may_change


async def test_no_token_for_oneself_and_a_session_reaches_the_household_it_opens(client, demo, capsys):
    sanne = await _session(client, capsys, demo["regisseur"]["email"])
    own = await client.post(_hh(demo, f"/betrokkenen/{demo['regisseur']['id']}/token"), headers=_auth(sanne))
    assert own.status == 403  # a personal token would outlive the session and "overal uitloggen"
    created = await client.post(
        "/api/households", json={"code": "H-NIEUW-9", "name": "Nieuw", "gemeente": "Heerlen"}, headers=_auth(sanne)
    )
    assert created.status == 201, await created.text()
    body = await created.json()
    assert body["token"] is None
    plan = await client.get(f"/api/households/{body['household']['id']}/plan", headers=_auth(sanne))
    assert plan.status == 200


async def test_sign_in_mail_goes_through_the_oldest_membership(client, demo, capsys):
    joost = demo["by_name"][JOOST]
    for n in range(5):  # newer households: without the rule one of their ids sorts first 5 times in 6
        created = await client.post(
            "/api/households",
            json={"code": f"H-ROUTE-{n}", "name": f"Route {n}", "gemeente": "Heerlen"},
            headers=bearer(demo["regisseur"]),
        )
        other = await created.json()
        resp = await client.post(
            f"/api/households/{other['household']['id']}/betrokkenen",
            json={"name": "J. Willems", "kind": "professional", "role": "hulpverlener", "email": joost["email"]},
            headers={"Authorization": f"Bearer {other['token']}"},
        )
        assert resp.status == 201
    capsys.readouterr()
    assert (await client.post("/auth/magic-link", json={"email": joost["email"]})).status == 202
    await settle(client)
    out = capsys.readouterr().out
    assert f"sign-in link for betrokkene {joost['id']} " in out  # his own, oldest record, not a newer one


async def test_a_rotated_session_keeps_its_absolute_end(client, demo, services, capsys, clock):
    session = await _session(client, capsys, demo["by_name"][FATIMA]["email"])
    before = (await services.sessions.person_session(session)).expires_at
    clock.advance(600)
    rotated, secret = await _with_app(services, session, clock)
    assert (await services.sessions.person_session(rotated)).expires_at == before
    clock.advance(60)
    again = await services.account.verify_totp(rotated, pyotp.TOTP(secret).at(clock().timestamp()), "t")
    assert (await services.sessions.person_session(again.token)).expires_at == before


async def test_recovery_codes_need_a_passkey_or_an_app(client, demo, services, capsys):
    session = await _session(client, capsys, demo["by_name"][FATIMA]["email"])
    with pytest.raises(SecondFactorRequired):
        await services.account.new_recovery_codes(session)
    rotated, _ = await _with_app(services, session)
    assert len(await services.account.new_recovery_codes(rotated)) == 10
    person_id = (await services.sessions.person_session(rotated)).person_id
    setup_less = (await services.factors.summary(person_id)).totp
    assert setup_less is not None
    await services.account.remove(rotated, setup_less.id)
    with pytest.raises(ValidationFailed):
        await services.account.new_recovery_codes(rotated)


async def test_passkey_options_count_against_the_client_ip(services):
    with pytest.raises(RateLimited):
        for _ in range(200):
            await services.factors.passkey_options(None, client_ip="203.0.113.9")


def test_too_many_attempts_answer_429_with_retry_after_everywhere():
    resp = from_error(RateLimited(7))
    assert resp.status == 429 and resp.headers["Retry-After"] == "7"


async def test_the_operator_resets_a_taken_over_sign_in(client, demo, services, capsys, settings):
    fatima = demo["by_name"][FATIMA]
    with_factor, _ = await _with_app(services, await _session(client, capsys, fatima["email"]))
    env = {
        **os.environ,
        "EENPLAN_DATA_DIR": str(settings.data_dir),
        "EENPLAN_DATABASE_URL": settings.effective_database_url,
        "EENPLAN_SECRET_KEY": settings.secret_key,
    }
    done = run_cli("factors-reset", "--email", fatima["email"].upper(), env=env)
    assert done.returncode == 0, done.stderr
    assert (await client.get(plan_url(demo), headers=_auth(with_factor))).status == 401
    again = await _session(client, capsys, fatima["email"])
    _, summary, may_change = await services.account.overview(again)
    assert not summary.can_pass_second_step and may_change
    unknown = run_cli("factors-reset", "--email", "nobody@example.org", env=env)
    assert unknown.returncode == 1
