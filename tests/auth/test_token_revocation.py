"""API and monitoring tokens can be revoked by their id, and fail from the very next request on — on every node.

Also the JWT rules themselves (joserfc): HS256 only, required claims, bounded size, no `crit` header.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys

from aiohttp.test_utils import TestClient, TestServer
from support.helpers import bearer, plan_url

from eenplan.bootstrap import build_services
from eenplan.domain.access import Principal
from eenplan.web.app import create_app

MONITORING = "/api/monitoring?gemeente=Heerlen&from=2026-04-01&to=2026-05-31"


def hh(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}{suffix}"


async def _issue(client, demo, name="Joost Willems") -> dict:
    resp = await client.post(
        hh(demo, f"/betrokkenen/{demo['by_name'][name]['id']}/token"), headers=bearer(demo["regisseur"])
    )
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    assert body["jti"] and body["expires_at"]
    return body


async def test_a_revoked_api_token_gets_401_at_the_next_request(client, demo):
    issued = await _issue(client, demo)
    other = await _issue(client, demo)
    machine = {"Authorization": f"Bearer {issued['token']}"}
    assert (await client.get(plan_url(demo), headers=machine)).status == 200  # verified and remembered
    resp = await client.delete(hh(demo, f"/tokens/{issued['jti']}"), headers=bearer(demo["regisseur"]))
    assert resp.status == 204, await resp.text()
    assert (await client.get(plan_url(demo), headers=machine)).status == 401
    assert (await client.get(hh(demo, "/betrokkenen"), headers=machine)).status == 401
    # only that token: another one for the same person, and the person's own, still work
    assert (await client.get(plan_url(demo), headers={"Authorization": f"Bearer {other['token']}"})).status == 200
    assert (await client.get(plan_url(demo), headers=bearer(demo["by_name"]["Joost Willems"]))).status == 200
    again = await client.delete(hh(demo, f"/tokens/{issued['jti']}"), headers=bearer(demo["regisseur"]))
    assert again.status == 204  # revoking twice is harmless


async def test_revocation_reaches_another_node_at_its_next_request(client, demo, settings, clock):
    """Two servers on one database: the one that did not revoke refuses the token too, straight away."""
    issued = await _issue(client, demo)
    machine = {"Authorization": f"Bearer {issued['token']}"}
    other_services = build_services(settings, clock=clock)
    other = TestClient(TestServer(create_app(other_services, max_body_bytes=settings.max_body_bytes)))
    await other.start_server()
    try:
        assert (await other.get(plan_url(demo), headers=machine)).status == 200
        assert (await other.get(plan_url(demo), headers=machine)).status == 200  # remembered answers
        resp = await client.delete(hh(demo, f"/tokens/{issued['jti']}"), headers=bearer(demo["regisseur"]))
        assert resp.status == 204
        assert (await other.get(plan_url(demo), headers=machine)).status == 401
    finally:
        await other.close()
        await other_services.close()


async def test_only_a_regisseur_of_the_household_revokes(client, demo):
    issued = await _issue(client, demo)
    joost = bearer(demo["by_name"]["Joost Willems"])
    assert (await client.delete(hh(demo, f"/tokens/{issued['jti']}"), headers=joost)).status == 403
    bad = await client.delete(hh(demo, "/tokens/not*a*token*id"), headers=bearer(demo["regisseur"]))
    assert bad.status == 422 and (await bad.json())["errors"][0]["field"] == "jti"
    assert (await client.get(plan_url(demo), headers={"Authorization": f"Bearer {issued['token']}"})).status == 200


async def test_a_revocation_in_one_household_never_ends_another_households_token(client, demo, services):
    """The list is kept per household: knowing a foreign jti does not let a regisseur end that token."""
    other_household_token = services.tokens.issue(Principal("someone", "another-household"))
    claims = json.loads(base64.urlsafe_b64decode(other_household_token.split(".")[1] + "=="))
    await services.tokens.revoke_monitoring(claims["jti"])  # listed for monitoring, not for this household
    await client.delete(hh(demo, f"/tokens/{claims['jti']}"), headers=bearer(demo["regisseur"]))
    assert await services.tokens.authenticate(other_household_token)  # still valid for its own household


async def test_a_monitoring_token_is_revoked_with_the_cli(client, demo, settings, services):
    env = {
        "EENPLAN_DATABASE_URL": settings.effective_database_url,
        "EENPLAN_SECRET_KEY": settings.secret_key,
        "EENPLAN_DATA_DIR": str(settings.data_dir),
        "PATH": "/usr/bin:/bin",
    }
    issued = subprocess.run(
        [sys.executable, "-m", "eenplan.cli", "monitoring-token", "--gemeente", "Heerlen"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    jti = issued.stderr.strip().rsplit(" ", 1)[-1]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get(MONITORING, headers=headers)).status == 200
    revoked = subprocess.run(
        [sys.executable, "-m", "eenplan.cli", "monitoring-revoke", "--jti", jti],
        capture_output=True,
        text=True,
        env=env,
    )
    assert revoked.returncode == 0, revoked.stdout + revoked.stderr
    assert (await client.get(MONITORING, headers=headers)).status == 401
    fresh = services.tokens.issue_monitoring("Heerlen", 3600)
    assert (await client.get(MONITORING, headers={"Authorization": f"Bearer {fresh}"})).status == 200


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _forge(settings, header: dict, claims: dict) -> str:
    """A token signed with the deployment's own key, so only the rules can refuse it."""
    signing_input = f"{_b64(header)}.{_b64(claims)}"
    digest = hashlib.sha512 if header["alg"] == "HS512" else hashlib.sha256
    signature = hmac.new(settings.signing_key(), signing_input.encode(), digest).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


async def test_jwt_rules(client, demo, settings):
    """HS256 only, every required claim, no `crit` header, bounded size: anything else is 401."""
    good = await _issue(client, demo)
    claims = json.loads(base64.urlsafe_b64decode(good["token"].split(".")[1] + "=="))
    assert (await client.get(plan_url(demo), headers={"Authorization": f"Bearer {good['token']}"})).status == 200
    sound = _forge(settings, {"alg": "HS256", "typ": "JWT"}, claims)
    assert (await client.get(plan_url(demo), headers={"Authorization": f"Bearer {sound}"})).status == 200
    forged = [
        _forge(settings, {"alg": "HS512"}, claims),
        _forge(settings, {"alg": "HS256", "crit": ["exp"]}, claims),
        *(
            _forge(settings, {"alg": "HS256"}, {k: v for k, v in claims.items() if k != missing})
            for missing in ("iss", "aud", "sub", "hh", "exp", "jti")
        ),
        _forge(settings, {"alg": "HS256"}, claims | {"aud": "eenplan-monitoring"}),
        _forge(settings, {"alg": "HS256"}, claims | {"exp": claims["iat"] - 1}),
        _forge(settings, {"alg": "HS256"}, claims | {"pad": "x" * 3000}),
        ".".join([base64.urlsafe_b64encode(b'{"alg":"none"}').decode().rstrip("="), good["token"].split(".")[1], ""]),
    ]
    for token in forged:
        resp = await client.get(plan_url(demo), headers={"Authorization": f"Bearer {token}"})
        assert resp.status == 401, token


async def test_a_revocation_outlives_its_token_even_on_a_node_with_a_shorter_token_lifetime(demo, settings, clock):
    """A token issued for 30 days on one node and revoked on a node configured for 1 day stays refused after that
    node, two days later, drops the revocations it takes for expired (a review found it valid again then)."""
    from dataclasses import replace

    from eenplan.domain.errors import Unauthenticated

    issuing = build_services(replace(settings, token_ttl_seconds=30 * 86_400))
    revoking = build_services(replace(settings, token_ttl_seconds=86_400), clock=clock)
    household = demo["household"]["id"]
    regisseur = Principal(demo["regisseur"]["id"], household, second_factor=True)
    joost = demo["by_name"]["Joost Willems"]["id"]
    try:
        issued = await issuing.tokens.issue_for(regisseur, household, joost)
        await revoking.tokens.revoke(regisseur, household, issued.jti)
        clock.advance(days=2)  # the revoking node's one-day lifetime has passed; the token's 30 days have not
        later = await issuing.tokens.issue_for(regisseur, household, joost)
        await revoking.tokens.revoke(regisseur, household, later.jti)  # drops revocations it takes for expired
        for node in (issuing, revoking):
            try:
                await node.tokens.authenticate(issued.token)
            except Unauthenticated:
                continue
            raise AssertionError("a revoked token is accepted again")
    finally:
        await issuing.close()
        await revoking.close()


def test_no_token_may_claim_to_live_longer_than_its_revocation_is_kept(settings):
    """The lifetime setting is bounded, and a token whose exp − iat exceeds the bound (signed with the key, e.g.
    by a node configured before the bound) is refused: its revocation would be dropped while it still lived."""
    from dataclasses import replace

    import pytest
    from joserfc import jwt
    from joserfc.jwk import OctKey

    from eenplan.domain.errors import Unauthenticated, ValidationFailed
    from eenplan.services.tokens import AUDIENCE, ISSUER, TokenService
    from eenplan.settings.auth import MAX_TOKEN_SECONDS

    with pytest.raises(ValidationFailed) as refused:
        replace(settings, token_ttl_seconds=MAX_TOKEN_SECONDS + 1).check()
    assert [p.field for p in refused.value.problems] == ["EENPLAN_TOKEN_TTL_SECONDS"]
    tokens = TokenService(settings.signing_key(), 3600)
    with pytest.raises(ValueError):
        tokens.issue_token(Principal("b", "h"), MAX_TOKEN_SECONDS + 1)
    import time

    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "b", "hh": "h", "iat": now, "jti": "x" * 22}
    key = OctKey.import_key(settings.signing_key())
    for lifetime, accepted in ((MAX_TOKEN_SECONDS, True), (MAX_TOKEN_SECONDS + 1, False)):
        token = jwt.encode({"alg": "HS256"}, {**claims, "exp": now + lifetime}, key)
        if accepted:
            assert tokens.verify(token).betrokkene_id == "b"
        else:
            with pytest.raises(Unauthenticated):
                tokens.verify(token)
    no_iat = jwt.encode({"alg": "HS256"}, {k: v for k, v in {**claims, "exp": now + 60}.items() if k != "iat"}, key)
    with pytest.raises(Unauthenticated):
        tokens.verify(no_iat)


async def test_a_revocation_written_with_a_short_expiry_is_still_kept_for_the_longest_token_life(
    demo, settings, services, clock
):
    """Rows from before the bound was kept (their expiry the revoking node's lifetime) are not dropped when a later
    revocation clears out old ones: only rows revoked longer ago than any token can live go."""
    from datetime import timedelta

    from eenplan.domain.errors import Unauthenticated

    nodes = build_services(settings, clock=clock)
    household = demo["household"]["id"]
    regisseur = Principal(demo["regisseur"]["id"], household, second_factor=True)
    joost = demo["by_name"]["Joost Willems"]["id"]
    try:
        issued = await nodes.tokens.issue_for(regisseur, household, joost)
        async with nodes.tokens._uow(write=True) as uow:  # a row as the old code wrote it: kept one day
            await uow.token_revocations.revoke(
                issued.jti, household, regisseur.betrokkene_id, clock(), clock() + timedelta(days=1)
            )
            await uow.commit()
        clock.advance(days=2)
        later = await nodes.tokens.issue_for(regisseur, household, joost)
        await nodes.tokens.revoke(regisseur, household, later.jti)  # clears out what it takes for expired
        try:
            await services.tokens.authenticate(issued.token)
        except Unauthenticated:
            pass
        else:
            raise AssertionError("a revoked token is accepted again")
    finally:
        await nodes.close()


async def test_a_revocation_is_in_the_security_log_with_ids_only(client, demo, caplog):
    """A restored database forgets revocations made after its dump; the journal does not: each revocation is
    logged with the token id and the household (ids only, never the token), so they can be made again."""
    import logging

    issued = await _issue(client, demo)
    with caplog.at_level(logging.INFO, logger="eenplan.security"):
        resp = await client.delete(hh(demo, f"/tokens/{issued['jti']}"), headers=bearer(demo["regisseur"]))
    assert resp.status == 204
    lines = [
        r.getMessage() for r in caplog.records if r.name == "eenplan.security" and "token revoked" in r.getMessage()
    ]
    assert lines == [
        f"token revoked jti={issued['jti']} household={demo['household']['id']} by={demo['regisseur']['id']}"
    ]
    assert issued["token"] not in caplog.text
