"""OpenID Connect sign-in for professionals, against a real provider (panva/oidc-provider) run locally."""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import aiohttp
import pytest
from authkit import APP_URL, CLIENT_ID, CLIENT_SECRET
from support.helpers import plan_url

JOOST = "Joost Willems"


@pytest.fixture
def settings(settings, oidc_provider):
    """The test's settings with the provider configured and the app's public URL its redirect target."""
    return replace(
        settings,
        public_url=APP_URL,
        oidc_issuer=oidc_provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
    )


async def start(client, demo) -> str:
    """Begin sign-in at the app; the provider URL it redirects to (the state cookie is in the client's jar)."""
    resp = await client.get("/auth/oidc/login", params={"next": "/huishoudens"}, allow_redirects=False)
    assert resp.status == 302, await resp.text()
    return resp.headers["Location"]


async def at_provider(auth_url: str, login: str) -> dict[str, str]:
    """Sign in at the provider as `login` (its login form, then its consent form); the callback's query."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        url = auth_url
        for _ in range(12):
            async with http.get(url, allow_redirects=False) as resp:
                if resp.status in (302, 303):
                    url = urljoin(url, resp.headers["Location"])
                    if url.startswith(APP_URL):
                        return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
                    continue
                page = await resp.text()
                assert resp.status == 200, page
            action = urljoin(url, re.search(r'<form[^>]*action="([^"]+)"', page).group(1))
            form = (
                {"prompt": "login", "login": login, "password": "any"}
                if 'name="login"' in page
                else {"prompt": "consent"}
            )
            async with http.post(action, data=form, allow_redirects=False) as resp:
                assert resp.status in (302, 303), await resp.text()
                url = urljoin(action, resp.headers["Location"])
                if url.startswith(APP_URL):
                    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    raise AssertionError("the provider never redirected back")


async def callback(client, query: dict[str, str], accept: str = "application/json"):
    """Deliver the provider's redirect to the app (as an API client, unless `accept` says a browser)."""
    return await client.get("/auth/oidc/callback", params=query, allow_redirects=False, headers={"Accept": accept})


async def sign_in(client, demo, login: str):
    """The whole code flow for one provider account; the app's answer to the callback."""
    return await callback(client, await at_provider(await start(client, demo), login))


async def test_professional_signs_in_but_reads_nothing_before_a_second_factor(client, demo):
    """The provider showed no MFA (no amr/acr): by the default policy the professional is signed in to
    every household of the address, but no plan content opens until a second factor is completed."""
    resp = await sign_in(client, demo, "joost")
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["households"] == [demo["household"]["id"]] and body["second_factor"] is False
    plan = await client.get(plan_url(demo), headers={"Authorization": f"Bearer {body['session']}"})
    assert plan.status == 403 and (await plan.json())["type"].endswith("second-factor-required")


async def test_without_the_policy_the_professional_reads_the_plan(aiohttp_client, settings, clock, demo):
    from eenplan.bootstrap import build_services
    from eenplan.web.app import create_app

    svc = build_services(replace(settings, second_factor="off"), clock=clock)
    try:
        client = await aiohttp_client(create_app(svc))
        body = await (await sign_in(client, demo, "joost")).json()
        plan = await client.get(plan_url(demo), headers={"Authorization": f"Bearer {body['session']}"})
        assert plan.status == 200 and (await plan.json())["household_id"] == demo["household"]["id"]
    finally:
        await svc.close()


async def test_a_browser_gets_the_session_cookie_and_goes_on(client, demo):
    query = await at_provider(await start(client, demo), "joost")
    resp = await callback(client, query, accept="text/html")
    assert resp.status == 303 and resp.headers["Location"] == "/huishoudens"
    cookie = resp.cookies.get("eenplan")
    assert cookie is not None and cookie["httponly"] and cookie["samesite"] == "Lax" and len(cookie.value) == 43


async def test_login_redirect_carries_state_nonce_and_pkce(client, demo):
    url = await start(client, demo)
    query = parse_qs(urlsplit(url).query)
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) == 43 and len(query["nonce"][0]) == 43
    assert query["redirect_uri"] == [f"{APP_URL}/auth/oidc/callback"]
    assert "openid" in query["scope"][0].split()


async def test_a_state_works_once_and_only_in_its_own_browser(client, demo, aiohttp_client):
    query = await at_provider(await start(client, demo), "joost")
    forged = dict(query, state="A" * 43)
    assert (await callback(client, forged)).status == 401
    assert (await callback(client, query)).status == 200
    assert (await callback(client, query)).status == 401  # replayed
    other_browser = await aiohttp_client(client.app)
    fresh = await at_provider(await start(client, demo), "joost")
    assert (await callback(other_browser, fresh)).status == 401  # no state cookie there


async def test_a_wrong_nonce_is_refused(client, demo):
    url = await start(client, demo)
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["nonce"] = "N" * 43  # the provider puts this nonce in the ID token; the app expects its own
    tampered = urlunsplit(parts._replace(query=urlencode(query)))
    resp = await callback(client, await at_provider(tampered, "joost"))
    assert resp.status == 401


async def test_a_mixed_up_issuer_is_refused(client, demo):
    query = await at_provider(await start(client, demo), "joost")
    assert (await callback(client, dict(query, iss="http://evil.example"))).status == 401


async def test_someone_who_is_no_betrokkene_gets_a_neutral_403(client, demo):
    stranger = await sign_in(client, demo, "stranger")
    netwerk = await sign_in(client, demo, "khadija")  # a betrokkene, but no professional
    unverified = await sign_in(client, demo, "inge-unverified")
    assert stranger.status == netwerk.status == unverified.status == 403
    details = {(await r.json())["detail"] for r in (stranger, netwerk, unverified)}
    assert details == {"this account cannot sign in here"}


async def test_a_next_address_elsewhere_is_not_kept(client, demo):
    resp = await client.get("/auth/oidc/login", params={"next": "//evil.example/x"}, allow_redirects=False)
    answer = await callback(client, await at_provider(resp.headers["Location"], "joost"), accept="text/html")
    assert answer.status == 303 and answer.headers["Location"] == "/huishoudens"


async def test_the_first_provider_account_is_pinned(client, demo):
    assert (await sign_in(client, demo, "joost")).status == 200
    # Another account at the same provider claiming the same verified address is refused from now on.
    assert (await sign_in(client, demo, "joost-other-account")).status == 403
    assert (await sign_in(client, demo, "joost")).status == 200


async def test_without_oidc_settings_the_routes_say_not_found(aiohttp_client, settings, services):
    from eenplan.bootstrap import build_services
    from eenplan.web.app import create_app

    svc = build_services(replace(settings, oidc_issuer=""))
    try:
        plain = await aiohttp_client(create_app(svc))
        assert (await plain.get("/auth/oidc/login", allow_redirects=False)).status == 404
    finally:
        await svc.close()
