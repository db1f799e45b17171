"""The household's pages leak nothing (issue 12 item 9, without a browser): a marker written into every place plan
content lives never shows on any page, PDF or download reached by links from the start page for a person the
policy does not let read it, and does show on the plan page for a person it does; a non-member meets exactly the
page of a missing household on every household page; every page keeps the CSP and `Cache-Control: no-store`.

The pages are found by their links (tests/web/browser/crawl.py), not listed here, and the expectations come from
the policy itself (`PlanService.access` and the derived rules in `domain.access`).
"""

from __future__ import annotations

import io
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

import pyotp
import pytest
from support.factor_pages import SECRET, SETUP_ID, find, page_token
from support.pagekit import csrf_of, sign_in

sys.path.insert(0, str(Path(__file__).parent / "browser"))

from crawl import Fetched, body_texts, found, headers_text, links_in, walk
from crawl_markers import PERSONAS, Api, Planted, check_sweep, expectation, plant_all

from eenplan.domain.access import Principal
from eenplan.domain.betrokkene import Kind, Role
from eenplan.services.households import NewHousehold, RegisseurDetails
from eenplan.web.pages.headers import CSP

NOWHERE = "00000000-0000-4000-8000-000000000000"
STRANGER = "a.peters@example.org"


def client_api(client: Any) -> Api:
    """The JSON API through the test client, with a bearer token (the regisseur arranging the household)."""

    async def call(method: str, path: str, token: str, body: dict[str, Any] | None, headers: dict[str, str]) -> Any:
        resp = await client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}", **headers})
        text = await resp.text()
        assert resp.status < 300, (method, path, resp.status, text)
        return json.loads(text) if text else None

    return call


@pytest.fixture
async def planted(client: Any, demo: dict[str, Any], clock: Any) -> Planted:
    """The demo household with a marker everywhere content lives, a consent and an overmacht, Youssef 14
    (crawl_markers.plant_all)."""
    people = {b["name"]: b for b in demo["betrokkenen"]}
    return await plant_all(client_api(client), demo["household"]["id"], people, clock)


async def sign_in_with_app(client: Any, capsys: Any, clock: Any, email: str) -> None:
    """A fresh browser: the sign-in by mail link, then an authenticator app set up as the second step (so the
    pages that need a second factor — the access log, the inzage download — are walked too)."""
    client.session.cookie_jar.clear()
    await sign_in(client, capsys, email)
    text, csrf = await page_token(client, "/inloggen/tweede-stap/app")
    totp = pyotp.TOTP(find(SECRET, text).replace(" ", ""))
    data = {"csrf": csrf, "setup_id": find(SETUP_ID, text), "code": totp.at(clock().timestamp())}
    done = await client.post("/inloggen/tweede-stap/app", data=data, allow_redirects=False)
    assert done.status == 303, await done.text()


def client_fetch(client: Any):
    """Fetch one path as the signed-in browser (redirects followed, as a browser would)."""

    async def fetch(path: str) -> Fetched:
        resp = await client.get(path)
        body = await resp.read()
        headers = dict(resp.headers)
        texts = [*body_texts(resp.content_type, body), headers_text(headers)]
        links = links_in(body.decode("utf-8", errors="replace")) if resp.content_type == "text/html" else []
        return Fetched(str(resp.url), resp.status, resp.content_type, texts, headers, links)

    return fetch


@pytest.mark.parametrize("who", list(PERSONAS))
async def test_no_household_page_shows_what_the_person_may_not_read(
    who: str, client: Any, services: Any, demo: dict[str, Any], planted: Planted, capsys: Any, clock: Any
) -> None:
    name, email = PERSONAS[who]
    hid = demo["household"]["id"]
    await sign_in_with_app(client, capsys, clock, email)
    expect = await expectation(services, who, Principal(demo["by_name"][name]["id"], hid, second_factor=True), planted)
    prefix = f"/huishoudens/{hid}"
    walked = await walk(client_fetch(client), str(client.make_url("")).rstrip("/"), prefix)

    check_sweep(expect, walked)
    for path, got in walked.fetched.items():
        assert got.headers.get("Cache-Control") == "no-store", path
        assert got.headers.get("Content-Security-Policy") == CSP, path


def test_the_sweep_finds_a_marker_in_a_wrapped_pdf_line_and_in_a_zip_member() -> None:
    """The sweep's own check, so a marker cannot slip through its search: found in a PDF line wrapped inside it
    and in a zip member, not found where only part of it is."""
    marks = {"analyse": "MXANALYSE0A1B2C3D"}
    assert found(marks, ["Analyse MXANALYSE0A1B\n2C3D"]) == marks
    assert found(marks, ["MXANALYSE0A1B2C3"]) == {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("plan/versie-1.json", json.dumps({"analyse": marks["analyse"]}))
    assert found(marks, body_texts("application/zip", buffer.getvalue())) == marks


async def _stranger(client: Any, services: Any, capsys: Any, clock: Any) -> None:
    """A klant of another household, signed in with a second factor: only membership differs."""
    household, regisseur = await services.households.open(
        NewHousehold("H-LEAK-2", "Huishouden Peters", "Heerlen"),
        RegisseurDetails(name="Piet Regisseur", email="piet@elders.example.org"),
    )
    await services.betrokkenen.add(
        Principal(regisseur.id, household.id),
        household.id,
        {
            "name": "Anna Peters",
            "kind": Kind.KLANT,
            "role": Role.OUDER,
            "relation": "moeder",
            "email": STRANGER,
            "organisation": "",
            "phone": None,
            "reachable_days": (),
            "birth_date": None,
        },
    )
    await sign_in_with_app(client, capsys, clock, STRANGER)


async def test_every_household_page_answers_a_non_member_like_a_missing_household(
    client: Any, services: Any, demo: dict[str, Any], planted: Planted, capsys: Any, clock: Any
) -> None:
    await _stranger(client, services, capsys, clock)
    hid = demo["household"]["id"]
    csrf = await csrf_of(client, "/huishoudens")
    values = {"oid": planted.overleg_ids[-1], "pid": planted.poll_ids[-1], "cid": planted.consent_ids[-1], "n": "1"}
    checked = []
    for route in client.server.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if not path.startswith("/huishoudens/{id}") or route.method not in ("GET", "POST"):
            continue
        answers = []
        for household in (hid, NOWHERE):
            ids = {"id": household, **values}
            url = re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m, ids=ids: ids.get(m.group(1), NOWHERE), path)
            if route.method == "GET":  # a GET of a form's address goes back to its page (refresh.py): follow
                resp = await client.get(url)
            else:
                resp = await client.post(url, data={"csrf": csrf}, allow_redirects=False)
            body = await resp.text()
            assert not any(m in body for m in planted.markers.values()) and "Fatima" not in body, (route.method, path)
            assert (
                resp.headers.get("Cache-Control") == "no-store" and resp.headers.get("Content-Security-Policy") == CSP
            )
            answers.append((resp.status, resp.content_type, body.replace(household, "ID")))
        assert answers[0] == answers[1], (route.method, path, answers[0][:2], answers[1][:2])
        # a page is 404; a bare form post may be refused for its missing fields first, the same for both
        assert answers[0][0] == 404 or (route.method == "POST" and 400 <= answers[0][0] < 500), (route.method, path)
        checked.append((route.method, path))
    pages = {path for method, path in checked if method == "GET"}
    assert {"/huishoudens/{id}", "/huishoudens/{id}/plan", "/huishoudens/{id}/overleggen"} <= pages, checked
