"""The second step of sign-in and the account page: set up and use an authenticator app, recovery codes,
sessions and "overal uitloggen", and what a mail link alone may not do (the passkeys: test_pages_passkeys.py)."""

from __future__ import annotations

import base64
import re
from urllib.parse import unquote
from xml.etree import ElementTree

import pyotp
import pytest
from support.factor_pages import (
    DATA_CSRF,
    FATIMA,
    JOOST,
    RECOVERY,
    SECRET,
    SETUP_ID,
    find,
    localhost_settings,
    page_token,
    reaches,
    session_cookie,
    sign_in_by_link,
)

from eenplan.config import Settings
from eenplan.domain.errors import Unauthenticated
from eenplan.web.keys import SERVICES
from eenplan.web.pages.headers import CSP


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    """The test settings on a public URL WebAuthn accepts (localhost is a secure context)."""
    return localhost_settings(tmp_path, database_url)


FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


async def _set_up_app(client, clock, next_path: str = "") -> pyotp.TOTP:
    """Through the pages: the app set-up during the second step; a first wrong code, then the right one."""
    query = f"?next={next_path}" if next_path else ""
    text, csrf = await page_token(client, "/inloggen/tweede-stap/app" + query)
    totp = pyotp.TOTP(find(SECRET, text).replace(" ", ""))
    wrong = await client.post(
        "/inloggen/tweede-stap/app",
        data={"csrf": csrf, "setup_id": find(SETUP_ID, text), "code": _wrong(totp.at(clock().timestamp()))},
        allow_redirects=False,
    )
    body = await wrong.text()
    print("JAR", [(c.key, c.value[:6], c["domain"]) for c in client.session.cookie_jar])
    assert wrong.status == 400, body[-1200:]
    text = await wrong.text()
    assert 'aria-invalid="true"' in text and "Die code klopt niet" in text
    totp = pyotp.TOTP(find(SECRET, text).replace(" ", ""))  # a fresh secret: scan again
    ok = await client.post(
        "/inloggen/tweede-stap/app",
        data={"csrf": csrf, "setup_id": find(SETUP_ID, text), "code": totp.at(clock().timestamp()), "next": next_path},
        allow_redirects=False,
    )
    assert ok.status == 303, await ok.text()
    assert ok.headers["Location"].startswith("/inloggen/tweede-stap/klaar")
    return totp


async def test_a_professional_sets_up_an_app_then_signs_in_with_link_and_code(client, demo, capsys, clock):
    hid = demo["household"]["id"]
    first = await sign_in_by_link(client, capsys, JOOST)
    blocked = await client.get(f"/huishoudens/{hid}", allow_redirects=False)
    assert blocked.status == 303 and blocked.headers["Location"].startswith("/inloggen/tweede-stap")

    setup = await client.get("/inloggen/tweede-stap")
    assert setup.status == 200
    text = await setup.text()
    assert "Beveilig uw account" in text and 'href="/inloggen/tweede-stap/app"' in text
    assert 'data-passkey="register"' in text and 'src="/static/passkey.js"' in text
    assert setup.headers["Content-Security-Policy"] == CSP and setup.headers["Cache-Control"] == "no-store"

    totp = await _set_up_app(client, clock, next_path=f"/huishoudens/{hid}")
    rotated = session_cookie(client)
    assert rotated and rotated != first  # a new session token at the second factor
    with pytest.raises(Unauthenticated):
        await client.app[SERVICES].sessions.person_session(first)
    await reaches(client, hid)

    # the next sign-in: the link, then the code (the set-up's code cannot be used again)
    client.session.cookie_jar.clear()
    await sign_in_by_link(client, capsys, JOOST)
    text, csrf = await page_token(client, f"/inloggen/tweede-stap?next=/huishoudens/{hid}")
    assert 'action="/inloggen/tweede-stap/code"' in text and 'autocomplete="one-time-code"' in text
    assert 'inputmode="numeric"' in text
    replay = await client.post(
        "/inloggen/tweede-stap/code", data={"csrf": csrf, "code": totp.at(clock().timestamp())}, allow_redirects=False
    )
    refused = await replay.text()
    assert replay.status == 400 and 'aria-invalid="true"' in refused
    assert "Die code klopt niet. Typ de code die de app nu laat zien." in refused  # what to do now
    later = totp.at(clock().timestamp() + 30)  # one step ahead is accepted (clock drift)
    done = await client.post(
        "/inloggen/tweede-stap/code",
        data={"csrf": csrf, "code": later, "next": f"/huishoudens/{hid}"},
        allow_redirects=False,
    )
    assert done.status == 303 and done.headers["Location"] == f"/huishoudens/{hid}"
    await reaches(client, hid)


async def test_the_qr_code_is_an_image_a_browser_can_show(client, demo, capsys):
    await sign_in_by_link(client, capsys, JOOST)
    text, _ = await page_token(client, "/inloggen/tweede-stap/app")
    src = find(re.compile(r'<img src="data:image/svg\+xml;base64,([^"]+)"'), text)
    svg = base64.b64decode(src).decode()
    # an <svg> without its namespace is no image for a browser: the QR code would be a broken image
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}path") is not None


async def test_during_the_second_step_the_header_says_almost_and_offers_only_sign_out(client, demo, capsys, clock):
    await sign_in_by_link(client, capsys, JOOST)
    text = await (await client.get("/inloggen/tweede-stap")).text()
    header = text[: text.index("<main")]
    assert f"U bent bijna ingelogd als <strong>{JOOST}</strong>" in header and "Ingelogd als" not in header
    assert 'href="/huishoudens"' not in header and 'href="/account"' not in header  # they would bounce back
    assert 'action="/uitloggen"' in header
    start = await (await client.get("/")).text()
    assert 'href="/inloggen/tweede-stap">Ga verder met inloggen</a>' in start and 'type="email"' not in start
    await _set_up_app(client, clock)
    text = await (await client.get("/huishoudens")).text()
    header = text[: text.index("<main")]
    assert "bijna" not in header and "Ingelogd als" in header and 'href="/account"' in header


async def test_recovery_codes_are_shown_once_and_each_works_once(client, demo, capsys, clock):
    await sign_in_by_link(client, capsys, JOOST)
    await _set_up_app(client, clock)
    text, csrf = await page_token(client, "/inloggen/tweede-stap/klaar")
    assert 'action="/account/herstelcodes"' in text
    first = await client.post("/account/herstelcodes", data={"csrf": csrf})
    assert first.status == 200 and first.headers["Cache-Control"] == "no-store"
    assert "Eerdere herstelcodes" not in await first.text()  # there were none
    shown = await client.post("/account/herstelcodes", data={"csrf": csrf})  # a new set replaces the first
    text = await shown.text()
    assert "Eerdere herstelcodes werken nu niet meer." in text
    codes = RECOVERY.findall(text)
    assert len(codes) == 10 and not set(codes) & set(RECOVERY.findall(await first.text()))

    for attempt in ("works", "used"):
        client.session.cookie_jar.clear()
        await sign_in_by_link(client, capsys, JOOST)
        text, csrf = await page_token(client, "/inloggen/tweede-stap")
        assert 'action="/inloggen/tweede-stap/herstelcode"' in text
        resp = await client.post(
            "/inloggen/tweede-stap/herstelcode",
            data={"csrf": csrf, "code": codes[0].lower().replace("-", " ")},
            allow_redirects=False,
        )
        if attempt == "works":
            assert resp.status == 303 and resp.headers["Location"] == "/huishoudens"
        else:
            text = await resp.text()
            assert resp.status == 400 and "al gebruikt" in text
            assert "Kijk of u de code goed heeft overgenomen, of gebruik een andere code." in text  # what to do


async def test_a_mail_link_alone_cannot_add_or_change_factors_of_someone_who_has_one(client, demo, capsys, clock):
    """Fatima is not asked for a second factor, but once she has one, a mail link alone (someone reading her
    mail) may not add a passkey, make recovery codes or remove her app: that needs the second step first."""
    svc = client.app[SERVICES]
    first = await sign_in_by_link(client, capsys, FATIMA)
    view = await svc.sessions.person_session(first)
    assert not view.needs_second_factor
    assert (await client.get("/account")).status == 200  # no factor yet: she may set one up here
    setup = await svc.factors.totp_setup(view.person_id, FATIMA)
    await svc.factors.confirm_totp(view.person_id, setup.setup_id, pyotp.TOTP(setup.secret).at(clock().timestamp()))

    account = await client.get("/account", allow_redirects=False)
    assert account.status == 303 and unquote(account.headers["Location"]) == "/inloggen/tweede-stap?next=/account"
    app = await client.get("/inloggen/tweede-stap/app", allow_redirects=False)
    assert app.status == 303 and app.headers["Location"].startswith("/inloggen/tweede-stap")
    text, csrf = await page_token(client, "/inloggen/tweede-stap")
    data_csrf = find(DATA_CSRF, text) if "data-csrf" in text else csrf
    refused = await client.post("/inloggen/passkey/nieuw/opties", json={}, headers={"X-CSRF-Token": data_csrf})
    assert refused.status == 403
    codes = await client.post("/account/herstelcodes", data={"csrf": csrf}, allow_redirects=False)
    assert codes.status == 303 and codes.headers["Location"].startswith("/inloggen/tweede-stap")
    summary = await svc.factors.summary(view.person_id)
    assert summary.totp is not None and summary.recovery_codes_left == 0
    removed = await client.post(
        f"/account/factor/{summary.totp.id}/verwijderen", data={"csrf": csrf}, allow_redirects=False
    )
    assert removed.status == 303 and removed.headers["Location"].startswith("/inloggen/tweede-stap")
    assert (await svc.factors.summary(view.person_id)).totp is not None


async def test_forms_and_passkey_calls_need_the_csrf_token(client, demo, capsys):
    await sign_in_by_link(client, capsys, JOOST)
    text = await (await client.get("/inloggen/tweede-stap")).text()
    token = find(DATA_CSRF, text)
    for headers in ({}, {"X-CSRF-Token": token[:-2] + "xx"}):
        resp = await client.post("/inloggen/passkey/nieuw/opties", json={}, headers=headers)
        assert resp.status == 403
    for path in ("/inloggen/tweede-stap/code", "/inloggen/tweede-stap/herstelcode", "/account/overal-uitloggen"):
        resp = await client.post(path, data={"code": "123456"}, allow_redirects=False)
        assert resp.status == 403 and "Formulier verlopen" in await resp.text(), path
    assert session_cookie(client) is not None
    assert (await client.get("/inloggen/tweede-stap")).status == 200  # still signed in


@pytest.mark.parametrize("path", ["/account", "/inloggen/tweede-stap", "/inloggen/tweede-stap/app"])
async def test_without_a_session_the_pages_ask_to_sign_in_and_return(client, path):
    resp = await client.get(path, allow_redirects=False)
    assert resp.status == 401 and resp.content_type == "text/html"
    text = await resp.text()
    assert 'type="email"' in text and f'name="next" value="{path}"' in text


async def test_sign_out_everywhere_ends_every_session_of_the_person(client, demo, capsys, aiohttp_client):
    svc = client.app[SERVICES]
    elsewhere = await sign_in_by_link(client, capsys, FATIMA, user_agent=FIREFOX_ANDROID + "<script>alert(1)</script>")
    client.session.cookie_jar.clear()
    here = await sign_in_by_link(client, capsys, FATIMA)
    text, csrf = await page_token(client, "/account")
    assert text.count("Link in e-mail") == 2  # both sessions listed
    assert "Waar u bent ingelogd" in text and "(dit apparaat)" in text
    assert "Firefox op Android" in text and "onbekend apparaat" in text  # a short name, not the raw User-Agent
    assert "Mozilla/5.0" not in text and "<script>alert" not in text
    resp = await client.post("/account/overal-uitloggen", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/?uitgelogd=overal"
    assert session_cookie(client) in (None, "")
    for token in (elsewhere, here):
        with pytest.raises(Unauthenticated):
            await svc.sessions.person_session(token)


async def test_guessing_app_codes_soon_gets_the_wait_page(client, demo, capsys, clock):
    await sign_in_by_link(client, capsys, JOOST)
    totp = await _set_up_app(client, clock)
    client.session.cookie_jar.clear()
    await sign_in_by_link(client, capsys, JOOST)
    _, csrf = await page_token(client, "/inloggen/tweede-stap")
    wrong = _wrong(totp.at(clock().timestamp()))
    statuses = []
    for _ in range(50):
        resp = await client.post("/inloggen/tweede-stap/code", data={"csrf": csrf, "code": wrong})
        statuses.append(resp.status)
        if resp.status == 429:
            break
    assert set(statuses[:-1]) == {400} and statuses[-1] == 429
    assert int(resp.headers["Retry-After"]) > 0 and "Even wachten" in await resp.text()
    right = await client.post(
        "/inloggen/tweede-stap/code", data={"csrf": csrf, "code": totp.at(clock().timestamp() + 30)}
    )
    assert right.status == 429  # not even the right code while the wait lasts


async def test_the_mother_adds_an_app_on_her_account_page_and_removes_it_again(client, demo, capsys, clock):
    first = await sign_in_by_link(client, capsys, FATIMA)
    text, csrf = await page_token(client, "/account")
    assert "U heeft geen app gekoppeld" in text and 'href="/account/app"' in text
    text, csrf = await page_token(client, "/account/app")
    code = pyotp.TOTP(find(SECRET, text).replace(" ", "")).at(clock().timestamp())
    added = await client.post(
        "/account/app", data={"csrf": csrf, "setup_id": find(SETUP_ID, text), "code": code}, allow_redirects=False
    )
    assert added.status == 303 and unquote(added.headers["Location"]) == "/inloggen/tweede-stap/klaar?next=/account"
    assert session_cookie(client) != first  # her first factor: this session now has its second step

    text, csrf = await page_token(client, "/account")
    assert "U heeft een app gekoppeld sinds" in text
    totp = (await client.app[SERVICES].factors.summary((await _view(client)).person_id)).totp
    assert totp is not None and f'action="/account/factor/{totp.id}/verwijderen"' in text
    removed = await client.post(f"/account/factor/{totp.id}/verwijderen", data={"csrf": csrf}, allow_redirects=False)
    assert removed.status == 303 and removed.headers["Location"] == "/account?gelukt=verwijderd"
    text = await (await client.get("/account?gelukt=verwijderd")).text()
    assert "Verwijderd." in text and "U heeft geen app gekoppeld" in text


async def _view(client):
    return await client.app[SERVICES].sessions.person_session(session_cookie(client))
