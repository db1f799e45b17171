"""Passkeys in the pages, through the JSON passkey.js calls, with real WebAuthn verification (py_webauthn) of a
software authenticator: the first set-up at the second step, sign-in with the passkey alone, the second step
with it, and a replayed answer refused."""

from __future__ import annotations

import pytest
from support.factor_pages import (
    DATA_CSRF,
    JOOST,
    PUBLIC_URL,
    ceremony,
    find,
    localhost_settings,
    page_token,
    reaches,
    session_cookie,
    sign_in_by_link,
)
from support.soft_authenticator import SoftAuthenticator

from eenplan.config import Settings


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    """The test settings on a public URL WebAuthn accepts (localhost is a secure context)."""
    return localhost_settings(tmp_path, database_url)


async def test_a_passkey_set_up_at_the_second_step_later_signs_in_alone(client, demo, capsys):
    hid = demo["household"]["id"]
    device = SoftAuthenticator(origin=PUBLIC_URL)
    await sign_in_by_link(client, capsys, JOOST)
    csrf = find(DATA_CSRF, await (await client.get("/inloggen/tweede-stap")).text())
    _, done = await ceremony(client, csrf, "nieuw", device, label="<b>Telefoon</b>")
    assert done == {"redirect": "/inloggen/tweede-stap/klaar"}
    account = await client.get("/account")
    assert account.status == 200
    page = await account.text()
    assert "&lt;b&gt;Telefoon&lt;/b&gt;" in page and "<b>Telefoon" not in page  # escaped, never markup
    assert "(dit apparaat)" in page

    client.session.cookie_jar.clear()  # another day, a fresh browser: no mail link at all
    _, csrf = await page_token(client, "/")
    _, done = await ceremony(client, csrf, "inloggen", device, next=f"/huishoudens/{hid}")
    assert done == {"redirect": f"/huishoudens/{hid}"}
    await reaches(client, hid)

    # and as the second step after a mail link
    client.session.cookie_jar.clear()
    await sign_in_by_link(client, capsys, JOOST)
    text = await (await client.get("/inloggen/tweede-stap")).text()
    assert 'data-passkey="verify"' in text
    _, done = await ceremony(client, find(DATA_CSRF, text), "controle", device)
    assert done == {"redirect": "/huishoudens"}
    await reaches(client, hid)


async def test_a_replayed_passkey_answer_does_not_sign_in(client, demo, capsys):
    device = SoftAuthenticator(origin=PUBLIC_URL)
    await sign_in_by_link(client, capsys, JOOST)
    await ceremony(client, find(DATA_CSRF, await (await client.get("/inloggen/tweede-stap")).text()), "nieuw", device)

    client.session.cookie_jar.clear()
    _, csrf = await page_token(client, "/")
    body, _ = await ceremony(client, csrf, "inloggen", device)
    client.session.cookie_jar.clear()
    _, csrf = await page_token(client, "/")
    again = await client.post("/inloggen/passkey/inloggen", json=body, headers={"X-CSRF-Token": csrf})
    assert again.status == 401
    assert session_cookie(client) is None
