"""Signing in from a browser: the form, the mail link's landing page, the cookie, returning to where one was."""

from __future__ import annotations

import dataclasses
from urllib.parse import unquote

import pytest
from support.pagekit import CSRF, ask_link, csrf_of, press_link_button, sign_in

from eenplan.config import Settings
from eenplan.domain.mailgroup import SIGNIN_LINK_TEXT
from eenplan.domain.sessions import MAGIC_LINK_TTL

FATIMA = "fatima@example.org"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor here: these tests are about the link, the cookie and the way back (factors: H2b)."""
    return dataclasses.replace(settings, second_factor="off")


async def test_sign_in_by_mail_link_sets_a_cookie_and_shows_the_households(client, demo, capsys):
    resp = await sign_in(client, capsys, FATIMA)
    assert resp.headers["Location"] == "/huishoudens"
    cookie = resp.cookies["eenplan"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/" and not cookie["secure"]
    assert "__Host-eenplan" not in resp.cookies
    listing = await client.get("/huishoudens")
    assert listing.status == 200
    text = await listing.text()
    assert demo["household"]["name"] in text and FATIMA in text and "Kies een huishouden." in text
    assert f'href="/huishoudens/{demo["household"]["id"]}"' in text


async def test_opening_the_link_uses_nothing_up(client, demo, capsys):
    token = await ask_link(client, capsys, FATIMA)
    for _ in range(3):  # a mail scanner, a link preview, the person
        page = await client.get(f"/auth/magic-link/{token}")
        text = await page.text()
        assert page.status == 200 and 'action="/inloggen/link"' in text and f'value="{token}"' in text
        assert "Kies de knop Inloggen" in text  # a button is pressed, tapped or chosen, not only clicked
        assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    assert (await press_link_button(client, token)).status == 303
    again = await press_link_button(client, token)
    assert again.status == 401 and "werkt niet meer" in await again.text()


async def test_the_link_button_needs_the_form_token(client, demo, capsys):
    token = await ask_link(client, capsys, FATIMA)
    await client.get(f"/auth/magic-link/{token}")
    refused = await client.post("/inloggen/link", data={"token": token}, allow_redirects=False)
    assert refused.status == 403 and "eenplan" not in refused.cookies
    assert (await press_link_button(client, token)).status == 303  # the refused post did not use the link


async def test_a_page_that_needs_sign_in_shows_the_form_and_comes_back_after_it(client, demo, capsys):
    target = f"/huishoudens/{demo['household']['id']}"
    first = await client.get(target)
    assert first.status == 401 and first.content_type == "text/html"
    assert f'name="next" value="{target}"' in await first.text()
    resp = await sign_in(client, capsys, FATIMA, next_path=target)
    assert resp.headers["Location"] == target
    page = await client.get(target)
    assert page.status == 200 and demo["household"]["name"] in await page.text()


async def test_links_in_older_mails_go_to_the_household(client, demo):
    hid = demo["household"]["id"]
    resp = await client.get(f"/?huishouden={hid}", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == f"/huishoudens/{hid}"
    odd = await client.get("/?huishouden=https://elders.example.org", allow_redirects=False)
    assert odd.status == 200  # not an id: just the start page, never a redirect elsewhere


async def test_only_local_return_addresses_are_kept(client, demo, capsys):
    for hostile in ("https://elders.example.org/", "//elders.example.org/x", "/\\elders.example.org"):
        page = await client.get("/", params={"next": hostile})
        assert 'name="next"' not in await page.text()
        resp = await sign_in(client, capsys, FATIMA, next_path=hostile)
        assert resp.headers["Location"] == "/huishoudens"


async def test_the_cookie_alone_never_reaches_the_api(client, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    assert (await client.get("/huishoudens")).status == 200
    api = await client.get("/api/households")
    assert api.status == 401 and api.content_type == "application/problem+json"


async def test_sign_out_ends_the_session_and_forgets_the_cookie(client, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    form_token = await csrf_of(client, "/huishoudens")
    without = await client.post("/uitloggen", allow_redirects=False)
    assert without.status == 403
    resp = await client.post("/uitloggen", data={"csrf": form_token}, allow_redirects=False)
    assert resp.status == 303 and resp.cookies["eenplan"].value == ""
    assert "uitgelogd" in await (await client.get(resp.headers["Location"])).text()
    assert (await client.get("/huishoudens")).status == 401


async def test_a_stolen_cookie_value_is_dead_after_sign_out(client, demo, capsys, aiohttp_client):
    resp = await sign_in(client, capsys, FATIMA)
    stolen = resp.cookies["eenplan"].value
    await client.post("/uitloggen", data={"csrf": await csrf_of(client, "/huishoudens")})
    client.session.cookie_jar.update_cookies({"eenplan": stolen})
    assert (await client.get("/huishoudens")).status == 401


async def test_an_unknown_address_gets_the_same_answer(client, demo, capsys):
    data = {"email": "niemand@elders.example.org", "csrf": await csrf_of(client)}
    resp = await client.post("/inloggen", data=data, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/inloggen/verstuurd"


async def test_a_wrong_address_is_named_next_to_the_field(client, demo):
    resp = await client.post("/inloggen", data={"email": "geen adres", "csrf": await csrf_of(client)})
    text = await resp.text()
    assert resp.status == 422
    assert 'aria-invalid="true"' in text and 'aria-describedby="email-fout"' in text and 'id="email-fout"' in text
    assert 'value="geen adres"' in text and CSRF.search(text)


async def test_an_incomplete_address_is_told_what_an_address_looks_like(client, demo):
    resp = await client.post("/inloggen", data={"email": "fatima@example", "csrf": await csrf_of(client)})
    text = await resp.text()
    assert resp.status == 422
    assert "Dit e-mailadres is niet compleet. Een e-mailadres ziet er zo uit: naam@voorbeeld.nl." in text
    empty = await (await client.post("/inloggen", data={"email": "", "csrf": await csrf_of(client)})).text()
    assert "Vul uw e-mailadres in." in empty and "niet compleet" not in empty


async def test_a_dead_session_cookie_is_forgotten_at_the_sign_in_page(client, demo, capsys, clock):
    await sign_in(client, capsys, FATIMA)
    clock.advance(24 * 3600)  # past the absolute lifetime
    resp = await client.get("/huishoudens")
    assert resp.status == 401 and resp.cookies["eenplan"].value == ""


async def test_the_start_page_says_so_when_you_are_signed_in(client, demo, capsys):
    before = await (await client.get("/")).text()
    assert "U bent ingelogd" not in before and 'action="/inloggen"' in before
    # the passkey is the second way, not the page's main action, and says who it is for
    assert "Heeft u al een passkey gemaakt? Dan kunt u daarmee inloggen." in before
    assert 'utrecht-button--secondary-action" data-passkey-start' in before
    await sign_in(client, capsys, FATIMA)
    text = await (await client.get("/")).text()
    assert "U bent ingelogd" in text and FATIMA in text
    assert 'utrecht-button-link--primary-action" href="/huishoudens">Ga naar uw huishoudens</a>' in text
    assert 'action="/inloggen"' not in text and 'type="email"' not in text  # no sign-in form for the signed-in


def test_the_sign_in_mail_says_how_long_the_link_really_works():
    minutes = int(MAGIC_LINK_TTL.total_seconds() // 60)
    assert f"De link werkt {minutes} minuten" in SIGNIN_LINK_TEXT
    assert "15 minuten" not in SIGNIN_LINK_TEXT


@pytest.mark.parametrize(
    ("path", "form_page"),
    [
        ("/inloggen", "/"),
        ("/inloggen/link", "/"),
        ("/uitloggen", "/"),
        ("/inloggen/tweede-stap/code", "/inloggen/tweede-stap"),
        ("/inloggen/tweede-stap/herstelcode", "/inloggen/tweede-stap"),
        ("/account/herstelcodes", "/account"),
        ("/account/overal-uitloggen", "/account"),
    ],
)
async def test_a_refresh_after_a_form_error_goes_back_to_the_form_not_a_dead_end(client, path, form_page):
    resp = await client.get(path, allow_redirects=False)  # a refresh of the answer to a POST is a GET
    assert resp.status == 303 and resp.headers["Location"] == form_page


async def test_a_refresh_on_the_second_step_keeps_where_one_was_going(client):
    resp = await client.get("/inloggen/tweede-stap/code?next=/huishoudens", allow_redirects=False)
    assert resp.status == 303 and unquote(resp.headers["Location"]) == "/inloggen/tweede-stap?next=/huishoudens"
    away = await client.get("/inloggen/tweede-stap/code?next=https://elders.example", allow_redirects=False)
    assert away.status == 303 and away.headers["Location"] == "/inloggen/tweede-stap"
