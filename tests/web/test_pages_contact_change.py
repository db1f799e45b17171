"""The link in a mail about a changed sign-in address opens a page; its button confirms, once."""

from __future__ import annotations

import re

from support.helpers import bearer
from support.pagekit import csrf_of

CHANGE = re.compile(r"https?://\S+/auth/contact-change/([A-Za-z0-9_-]{43})")


async def test_the_change_link_is_a_page_whose_button_confirms_once(client, demo, capsys):
    fatima, sanne = demo["by_name"]["Fatima El Amrani"], demo["regisseur"]
    url = f"/api/households/{demo['household']['id']}/betrokkenen/{fatima['id']}"
    capsys.readouterr()
    changed = await client.patch(url, json={"email": "fatima.nieuw@example.org"}, headers=bearer(sanne))
    assert changed.status == 200, await changed.text()
    (token,) = CHANGE.findall(capsys.readouterr().out)
    landing = await client.get(f"/auth/contact-change/{token}")
    text = await landing.text()
    assert landing.status == 200 and landing.content_type == "text/html"
    assert 'action="/inloggen/wijziging"' in text and f'value="{token}"' in text
    assert (await (await client.get(url, headers=bearer(sanne))).json())["email"] == "fatima@example.org"
    refused = await client.post("/inloggen/wijziging", data={"token": token})
    assert refused.status == 403
    form_token = await csrf_of(client, f"/auth/contact-change/{token}")
    done = await client.post("/inloggen/wijziging", data={"token": token, "csrf": form_token})
    assert done.status == 200 and "Bevestigd" in await done.text()
    assert (await (await client.get(url, headers=bearer(sanne))).json())["email"] == "fatima.nieuw@example.org"
    again = await client.post("/inloggen/wijziging", data={"token": token, "csrf": form_token})
    assert again.status == 401 and "werkt niet meer" in await again.text()
