"""Authentication: who gets in, and what a stranger can learn (nothing)."""

from __future__ import annotations

import base64
import json
import time

from joserfc import jwt
from joserfc.jwk import OctKey
from support.helpers import bearer, plan_url

SECRET = "test-secret-key-that-is-long-enough-0123456789"


def _forge(claims: dict, alg: str = "HS256", key: str = SECRET) -> str:
    return jwt.encode({"alg": alg}, claims, OctKey.import_key(key), algorithms=[alg])


def _claims(demo, **over) -> dict:
    now = int(time.time())
    return {
        "iss": "eenplan",
        "aud": "eenplan-api",
        "sub": demo["regisseur"]["id"],
        "hh": demo["household"]["id"],
        "iat": now,
        "exp": now + 60,
        "jti": "forged-token-id-0123",
        **over,
    }


async def test_api_requires_a_bearer_token(client, demo):
    resp = await client.get(plan_url(demo))
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert resp.content_type == "application/problem+json"


async def test_valid_forged_shape_with_wrong_key_is_refused(client, demo):
    token = _forge(_claims(demo), key="another-secret-key-that-is-long-enough-xx")
    assert (await client.get(plan_url(demo), headers={"Authorization": f"Bearer {token}"})).status == 401


async def test_expired_token_is_refused(client, demo):
    token = _forge(_claims(demo, exp=int(time.time()) - 5))
    assert (await client.get(plan_url(demo), headers={"Authorization": f"Bearer {token}"})).status == 401


async def test_other_algorithms_are_refused(client, demo):
    hs512 = _forge(_claims(demo), alg="HS512")
    assert (await client.get(plan_url(demo), headers={"Authorization": f"Bearer {hs512}"})).status == 401
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(_claims(demo)).encode()).rstrip(b"=").decode()
    none = f"{header}.{body}."
    assert (await client.get(plan_url(demo), headers={"Authorization": f"Bearer {none}"})).status == 401


async def test_oversized_token_is_refused(client, demo):
    token = _forge(_claims(demo, pad="x" * 5000))
    assert (await client.get(plan_url(demo), headers={"Authorization": f"Bearer {token}"})).status == 401


async def test_stranger_sees_404_exactly_like_a_missing_household(client, demo):
    created = await client.post(
        "/api/households",
        json={"code": "H-OTHER-1", "name": "Ander huishouden", "gemeente": "Heerlen"},
        headers=bearer(demo["regisseur"]),
    )
    assert created.status == 201, await created.text()
    stranger = (await created.json())["token"]
    headers = {"Authorization": f"Bearer {stranger}"}
    theirs = await client.get(plan_url(demo), headers=headers)
    missing = await client.get("/api/households/00000000-0000-0000-0000-000000000000/plan", headers=headers)
    assert theirs.status == missing.status == 404
    assert await theirs.json() == await missing.json()
    for path in ("", "/versions", "/versions/1", "/diff?from=1&to=2"):
        assert (await client.get(plan_url(demo, path), headers=headers)).status == 404


async def test_removed_betrokkene_loses_access_at_once(client, demo):
    oma = demo["by_name"]["Khadija El Amrani"]
    assert (await client.get(plan_url(demo), headers=bearer(oma))).status == 200
    resp = await client.delete(
        f"/api/households/{demo['household']['id']}/betrokkenen/{oma['id']}", headers=bearer(demo["regisseur"])
    )
    assert resp.status == 204
    assert (await client.get(plan_url(demo), headers=bearer(oma))).status == 404
