"""Betrokkenen pages (issue 13 item 3): the regisseur adds, changes and removes people, sees who has a usable
key, and issues a machine token shown once; nobody else gets these pages."""

from __future__ import annotations

import dataclasses
import re

import pytest
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings

SANNE = "sanne.devries@example.org"
FATIMA = "fatima@example.org"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor here: these tests are about the betrokkenen (factors: their own tests)."""
    return dataclasses.replace(settings, second_factor="off")


def _base(demo) -> str:
    return f"/huishoudens/{demo['household']['id']}/betrokkenen"


async def _post(client, path: str, data: dict | list, csrf_path: str):
    csrf = await csrf_of(client, csrf_path)
    items = list(data.items()) if isinstance(data, dict) else list(data)
    return await client.post(path, data=[*items, ("csrf", csrf)], allow_redirects=False)


async def test_the_list_shows_everyone_with_kind_role_days_and_key(client, demo, capsys):
    await sign_in(client, capsys, SANNE)
    resp = await client.get(_base(demo))
    html = await resp.text()
    assert resp.status == 200
    for person in demo["betrokkenen"]:
        assert f'data-betrokkene="{person["id"]}"' in html
    assert "Khadija" in html and "netwerk" in html
    assert html.count('data-key="nee"') + html.count('data-key="ja"') == len(demo["betrokkenen"])
    start = await (await client.get(f"/huishoudens/{demo['household']['id']}")).text()
    assert f'href="{_base(demo)}"' in start  # offered in the regisseur's menu


async def test_add_a_grandparent_with_days_then_change_and_remove(client, demo, services, capsys):
    await sign_in(client, capsys, SANNE)
    base = _base(demo)
    resp = await _post(
        client,
        base + "/nieuw",
        [
            ("name", "Ahmed El Amrani"),
            ("kind", "netwerk"),
            ("role", "netwerklid"),
            ("relation", "opa"),
            ("organisation", ""),
            ("email", "ahmed@example.org"),
            ("phone", "06 12345678"),
            ("birth_date", ""),
            ("days", "di"),
            ("days", "do"),
            ("mail_choice", "meldingen"),
        ],
        base + "/nieuw",
    )
    assert resp.status == 303, await resp.text()
    location = resp.headers["Location"]
    bid = re.search(r"/betrokkenen/([0-9a-f-]{36})\?gelukt=toegevoegd", location).group(1)
    from eenplan.domain.access import Principal

    regisseur = Principal(demo["regisseur"]["id"], demo["household"]["id"], second_factor=True)
    added = await services.betrokkenen.get(regisseur, demo["household"]["id"], bid)
    assert (added.relation, added.reachable_days, added.mail_choice.value) == ("opa", ("di", "do"), "meldingen")
    page = await (await client.get(location)).text()
    assert "De betrokkene is toegevoegd." in page and 'value="opa"' in page and 'id="dag-di" value="di" checked' in page

    resp = await _post(
        client,
        f"{base}/{bid}",
        {
            "name": "Ahmed El Amrani",
            "kind": "netwerk",
            "role": "mantelzorger",
            "relation": "opa",
            "email": "ahmed@example.org",
            "mail_choice": "plan",
        },
        f"{base}/{bid}",
    )
    assert resp.status == 303 and "gelukt=opgeslagen" in resp.headers["Location"]
    changed = await services.betrokkenen.get(regisseur, demo["household"]["id"], bid)
    assert changed.role.value == "mantelzorger" and changed.reachable_days == ()

    resp = await _post(client, f"{base}/{bid}/verwijderen", {}, f"{base}/{bid}")
    assert resp.status == 303
    assert f'data-betrokkene="{bid}"' not in await (await client.get(base)).text()


async def test_refused_fields_are_named_next_to_them_and_nothing_is_saved(client, demo, services, capsys):
    await sign_in(client, capsys, SANNE)
    base = _base(demo)
    before = len(demo["betrokkenen"])
    resp = await _post(
        client,
        base + "/nieuw",
        {"name": "Sara", "kind": "klant", "role": "jeugdige", "email": "geen-adres"},
        base + "/nieuw",
    )
    html = await resp.text()
    assert resp.status == 422
    assert 'id="veld-email-fout"' in html and 'aria-invalid="true"' in html and 'value="Sara"' in html
    resp = await _post(client, base + "/nieuw", {"name": "Sara", "kind": "klant", "role": "jeugdige"}, base + "/nieuw")
    assert resp.status == 422 and 'id="veld-birth_date-fout"' in await resp.text()
    resp = await _post(client, base + "/nieuw", {"name": "Sara", "kind": "netwerk", "role": "ouder"}, base + "/nieuw")
    assert resp.status == 422 and 'id="veld-role-fout"' in await resp.text()
    listing = await (await client.get(base)).text()
    assert listing.count("data-betrokkene=") == before


async def test_the_last_regisseur_cannot_be_removed(client, demo, capsys):
    await sign_in(client, capsys, SANNE)
    base, me = _base(demo), demo["regisseur"]["id"]
    resp = await _post(client, f"{base}/{me}/verwijderen", {}, f"{base}/{me}")
    assert resp.status == 422 and "er moet altijd een regisseur overblijven" in await resp.text()


async def test_a_machine_token_is_shown_once_and_works(client, demo, capsys):
    await sign_in(client, capsys, SANNE)
    base, joost = _base(demo), demo["by_name"]["Joost Willems"]["id"]
    resp = await _post(client, f"{base}/{joost}/token", {}, f"{base}/{joost}")
    html = await resp.text()
    assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"
    token = re.search(r'<textarea[^>]*id="token-waarde"[^>]*>([^<]+)</textarea>', html).group(1)
    plan = await client.get(
        f"/api/households/{demo['household']['id']}/betrokkenen", headers={"Authorization": f"Bearer {token}"}
    )
    assert plan.status == 200
    assert token not in await (await client.get(f"{base}/{joost}")).text()  # never again


async def test_only_a_regisseur_gets_the_betrokkenen_pages(client, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    base, joost = _base(demo), demo["by_name"]["Joost Willems"]["id"]
    assert (await client.get(base)).status == 403
    assert (await client.get(base + "/nieuw")).status == 403
    assert (await client.get(f"{base}/{joost}")).status == 403
    resp = await _post(client, f"{base}/{joost}/token", {}, f"/huishoudens/{demo['household']['id']}")
    assert resp.status == 403
    start = await (await client.get(f"/huishoudens/{demo['household']['id']}")).text()
    assert f'href="{base}"' not in start
