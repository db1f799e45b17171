"""The answers the server gives are valid by the OpenAPI document's response schemas, so a generated client can
read them: every documented GET of the demo household (items found through their lists), the answers of
creating a betrokkene, a mail group, a date poll and a stagnation case, and those of the planner (slots,
status), answers by mail, the aanspreekpunt and the exclusions, the safety status and the signature, monitoring,
the werkbank, the sign-in by mail link, the service's own routes and the downloads' media types."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest
from support.clock import MovableClock
from support.helpers import bearer
from support.werkbank_kit import session_of

from eenplan.config import Settings
from eenplan_crypto.testing import create_keys

H = "/api/households/{id}"
#: a goal of the demo plan not kept, and the organisation (the service needs a professional or an organisation)
CASE = {"doel_id": "financien", "organisatie": "Schuldhulp Maastricht"}
#: list answer → (its key, the item route it leads to)
ITEMS = {
    H + "/betrokkenen": ("betrokkenen", H + "/betrokkenen/{bid}"),
    H + "/toestemmingen": ("toestemmingen", H + "/toestemmingen/{cid}"),
    H + "/overleggen": ("overleggen", H + "/overleggen/{oid}"),
    H + "/stagnatie": ("cases", H + "/stagnatie/{case}"),
}


#: answers only someone else may read: the klant's own access log
READERS = {H + "/toegangslog": "Fatima El Amrani"}
#: the query a GET needs to answer at all
QUERIES = {
    H + "/overleggen/window": "?initiated=2026-12-01",
    H + "/overleggen/slots": "?initiated=2026-12-01&limit=3&must={fatima}",
    H + "/plan/diff": "?from=1&to=2",
}
#: answered only once there is something to answer with (tested below): the gemeente's aanspreekpunt
LATER = {H + "/aanspreekpunt"}
AP_EMAIL = "a.punt@maastricht.example"


@pytest.fixture
def clock() -> MovableClock:
    """Wednesday 2 December 2026, 10:00 in Amsterdam: the overleg, poll and consent dates below lie ahead of it."""
    return MovableClock(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: a professional's mail link gives a session at once (factors have their own tests)."""
    return dataclasses.replace(settings, second_factor="off")


@pytest.fixture(scope="module")
def ap_key():
    """The gemeentelijk aanspreekpunt's key pair (the registry validates and pins it)."""
    keys = create_keys({"ap": ("good", f"Anna Punt <{AP_EMAIL}>")})
    yield keys["ap"]
    keys["ap"].cleanup()


def _schema(doc: dict[str, Any], path: str, method: str, status: int = 200) -> dict[str, Any]:
    answer = doc["paths"][path][method]["responses"][str(status)]
    schema: dict[str, Any] = answer["content"]["application/json"]["schema"]
    return schema


def _check(doc: dict[str, Any], schema: dict[str, Any], body: Any, where: str) -> None:
    validator = jsonschema.Draft202012Validator({**doc, **schema}, format_checker=jsonschema.FormatChecker())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, (where, errors[:5])


async def _fill(client, demo) -> None:
    """A stagnation case and a consent request, so their answers are there to read."""
    hid, headers = demo["household"]["id"], bearer(demo["regisseur"])
    joost = demo["by_name"]["Joost Willems"]["id"]
    consent = {"grantee_id": joost, "sections": ["doelen"], "purpose": "Hulp bij schulden", "until": "2027-06-01"}
    asked = await client.post(f"/api/households/{hid}/toestemmingen", json=consent, headers=headers)
    assert asked.status == 201, await asked.text()
    overleg = {
        "type": "voortgangsoverleg",
        "start": "2027-01-12T10:00:00+01:00",
        "end": "2027-01-12T11:00:00+01:00",
        "invitees": [{"betrokkene_id": joost, "must_attend": False}],
        "location": "Wijkcentrum",
    }
    planned = await client.post(f"/api/households/{hid}/overleggen", json=overleg, headers=headers)
    assert planned.status == 201, await planned.text()
    case = await client.post(f"/api/households/{hid}/stagnatie", json=CASE, headers=headers)
    assert case.status == 201, await case.text()


async def test_every_documented_answer_of_the_demo_household_is_valid_by_the_document(client, demo):
    doc = await (await client.get("/api/openapi.json")).json()
    hid, headers = demo["household"]["id"], bearer(demo["regisseur"])
    await _fill(client, demo)
    checked: set[str] = set()
    for path, ops in doc["paths"].items():
        op = ops.get("get")
        if not op or "content" not in op["responses"].get("200", {}) or set(re.findall(r"\{(\w+)", path)) != {"id"}:
            continue
        if path in LATER or "application/json" not in op["responses"]["200"]["content"]:
            continue
        url = path.replace("{id}", hid) + QUERIES.get(path, "").format(fatima=demo["by_name"]["Fatima El Amrani"]["id"])
        reader = demo["by_name"][READERS[path]] if path in READERS else demo["regisseur"]
        resp = await client.get(url, headers=bearer(reader))
        assert resp.status == 200, (path, resp.status, await resp.text())
        body = await resp.json()
        _check(doc, _schema(doc, path, "get"), body, path)
        checked.add(path)
        if path in ITEMS:
            key, item_path = ITEMS[path]
            assert body[key], f"the demo has no {key} to read one of"
            param = re.findall(r"\{(\w+)\}", item_path)[-1]
            url = item_path.replace("{id}", hid).replace(f"{{{param}}}", body[key][0]["id"])
            one = await client.get(url, headers=headers)
            assert one.status == 200, (item_path, one.status)
            _check(doc, _schema(doc, item_path, "get"), await one.json(), item_path)
            checked.add(item_path)
    for must in (H, H + "/plan", H + "/betrokkenen/{bid}", H + "/mail/outbox", H + "/stagnatie/{case}", *READERS):
        assert must in checked, must
    for must in (H + "/overleggen/slots", H + "/overleggen/status", H + "/plan/diff", H + "/veiligheid"):
        assert must in checked, must
    assert H + "/aanspreekpunt-uitsluitingen" in checked


async def test_what_creating_answers_is_valid_by_the_document(client, demo):
    doc = await (await client.get("/api/openapi.json")).json()
    hid, headers = demo["household"]["id"], bearer(demo["regisseur"])
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    created = {
        H + "/betrokkenen": {"name": "Karin de Boer", "kind": "netwerk", "role": "netwerklid", "relation": "buur"},
        H + "/mail/groups": {"slug": "school", "name": "School", "members": [fatima]},
        H + "/polls": {
            "type": "voortgangsoverleg",
            "options": [{"start": "2027-01-12T10:00:00+01:00", "end": "2027-01-12T11:00:00+01:00"}],
            "invitees": [{"betrokkene_id": fatima, "must_attend": True}],
        },
        H + "/stagnatie": CASE,
        H + "/veiligheid/signalen": {"soort": "onveiligheid", "toelichting": "Gezien bij huisbezoek"},
    }
    joost = demo["by_name"]["Joost Willems"]["id"]
    issued = await client.post(f"/api/households/{hid}/betrokkenen/{joost}/token", headers=headers)
    assert issued.status == 201, await issued.text()
    _check(doc, _schema(doc, H + "/betrokkenen/{bid}/token", "post", 201), await issued.json(), "token")
    for path, body in created.items():
        resp = await client.post(path.replace("{id}", hid), json=body, headers=headers)
        assert resp.status == 201, (path, resp.status, await resp.text())
        _check(doc, _schema(doc, path, "post", 201), await resp.json(), path)


async def test_what_a_one_item_plan_change_answers_is_valid_by_the_document(client, demo):
    """Add, change and remove one goal: each answer is the documented item result (the item, its id, the version)."""
    doc = await (await client.get("/api/openapi.json")).json()
    hid = demo["household"]["id"]
    url = f"/api/households/{hid}/plan/doelen"
    headers = {**bearer(demo["regisseur"]), "If-Match": '"2"'}
    added = await client.post(url, json={"titel": "Youssef gaat elke dag naar school"}, headers=headers)
    assert added.status == 201, await added.text()
    body = await added.json()
    _check(doc, _schema(doc, H + "/plan/doelen", "post", 201), body, "add")
    headers["If-Match"] = f'"{body["version"]}"'
    changed = await client.patch(f"{url}/{body['item_id']}", json={"status": "behaald"}, headers=headers)
    assert changed.status == 200, await changed.text()
    body = await changed.json()
    _check(doc, _schema(doc, H + "/plan/doelen/{gid}", "patch"), body, "change")
    headers["If-Match"] = f'"{body["version"]}"'
    removed = await client.delete(f"{url}/{body['item_id']}", headers=headers)
    assert removed.status == 200, await removed.text()
    _check(doc, _schema(doc, H + "/plan/doelen/{gid}", "delete"), await removed.json(), "remove")
    op = doc["paths"][H + "/plan/doelen"]["post"]
    assert any(p["name"] == "If-Match" and p["required"] for p in op["parameters"])


async def test_the_households_a_caller_reaches_and_a_new_one_are_valid_by_the_document(client, demo):
    doc = await (await client.get("/api/openapi.json")).json()
    headers = bearer(demo["regisseur"])
    listed = await client.get("/api/households", headers=headers)
    assert listed.status == 200
    _check(doc, _schema(doc, "/api/households", "get"), await listed.json(), "list")
    body = {"code": "H-2026-777", "name": "Familie Jansen", "gemeente": "Maastricht"}
    opened = await client.post("/api/households", json=body, headers=headers)
    assert opened.status == 201, await opened.text()
    _check(doc, _schema(doc, "/api/households", "post", 201), await opened.json(), "open")


async def _get(client, doc, path: str, url: str, headers: dict, media: str = "application/json") -> Any:
    resp = await client.get(url, headers=headers)
    assert resp.status == 200, (path, resp.status, await resp.text())
    assert resp.content_type == media, (path, resp.content_type)
    assert media in doc["paths"][path]["get"]["responses"]["200"]["content"], (path, media)
    if media == "application/json":
        body = await resp.json()
        _check(doc, _schema(doc, path, "get"), body, path)
        return body
    return await resp.read()


async def test_the_planner_mail_answers_werkbank_monitoring_and_downloads_are_valid(client, services, demo):
    doc = await (await client.get("/api/openapi.json")).json()
    hid, headers = demo["household"]["id"], bearer(demo["regisseur"])
    await _fill(client, demo)
    oid = (await (await client.get(f"/api/households/{hid}/overleggen", headers=headers)).json())["overleggen"][0]["id"]
    await _get(
        client, doc, H + "/overleggen/{oid}/per-mail", f"/api/households/{hid}/overleggen/{oid}/per-mail", headers
    )
    joost = demo["by_name"]["Joost Willems"]["id"]
    ics_url = f"/api/households/{hid}/overleggen/{oid}/invite.ics?for={joost}"
    ics = await _get(client, doc, H + "/overleggen/{oid}/invite.ics", ics_url, headers, "text/calendar")
    assert ics.startswith(b"BEGIN:VCALENDAR")
    pdf = await _get(client, doc, H + "/plan.pdf", f"/api/households/{hid}/plan.pdf", headers, "application/pdf")
    assert pdf.startswith(b"%PDF")
    body = await _get(client, doc, "/api/werkbank", "/api/werkbank", headers)
    assert body["households"] and body["households"][0]["household_id"] == hid
    monitor = {"Authorization": f"Bearer {services.tokens.issue_monitoring('*', 3600)}"}
    url = "/api/monitoring?gemeente=Maastricht&from=2026-01-01&to=2026-12-31"
    await _get(client, doc, "/api/monitoring", url, monitor)
    await _get(client, doc, "/api/monitoring", url + "&format=csv", monitor, "text/csv")
    for path in ("/healthz", "/readyz", "/api/openapi.json"):
        await _get(client, doc, path, path, {})


async def test_the_aanspreekpunt_the_signature_and_the_sign_in_answers_are_valid(
    client, services, demo, capsys, ap_key
):
    doc = await (await client.get("/api/openapi.json")).json()
    hid, reg = demo["household"]["id"], bearer(demo["regisseur"])
    await services.aanspreekpunten.add("Maastricht", "Anna Punt", AP_EMAIL, ap_key.armored_public)
    body = await _get(client, doc, H + "/aanspreekpunt", f"/api/households/{hid}/aanspreekpunt", reg)
    assert body["email"] == AP_EMAIL

    # the sign-in by mail link: asked (202), redeemed (200, the session)
    asked = await client.post("/auth/magic-link", json={"email": "fatima@example.org"})
    assert asked.status == 202
    _check(doc, _schema(doc, "/auth/magic-link", "post", 202), await asked.json(), "magic-link")
    await services.signin.settle()
    fatima = {"Authorization": f"Bearer {await session_of(client, capsys, 'fatima@example.org')}"}
    # session_of redeemed its link; redeem one more to check the answer itself
    capsys.readouterr()
    await client.post("/auth/magic-link", json={"email": "fatima@example.org"})
    await services.signin.settle()
    (token,) = re.findall(r"/auth/magic-link/([A-Za-z0-9_-]{43})", capsys.readouterr().out)
    redeemed = await client.post(f"/auth/magic-link/{token}")
    assert redeemed.status == 200
    _check(doc, _schema(doc, "/auth/magic-link/{token}", "post"), await redeemed.json(), "redeemed")

    # the klant's own exclusions (PUT) and the signature under a veiligheidsplan
    put = await client.put(
        f"/api/households/{hid}/aanspreekpunt-uitsluitingen", json={"sections": ["krachten_zorgen"]}, headers=fatima
    )
    assert put.status == 200, await put.text()
    _check(doc, _schema(doc, H + "/aanspreekpunt-uitsluitingen", "put"), await put.json(), "exclusions")
    mine = await _get(
        client, doc, H + "/aanspreekpunt-uitsluitingen", f"/api/households/{hid}/aanspreekpunt-uitsluitingen", fatima
    )
    assert mine["mine"] == ["krachten_zorgen"]
    plan = {"veiligheidsplan": {"veiligheidsafspraken": ["Youssef belt oma bij ruzie"]}}
    changed = await client.patch(f"/api/households/{hid}/plan", json=plan, headers={**reg, "If-Match": '"2"'})
    assert changed.status == 200, await changed.text()
    signed = await client.post(f"/api/households/{hid}/veiligheidsplan/handtekening", headers=fatima)
    assert signed.status == 200, await signed.text()
    _check(doc, _schema(doc, H + "/veiligheidsplan/handtekening", "post"), await signed.json(), "signed")
    status = await _get(client, doc, H + "/veiligheid", f"/api/households/{hid}/veiligheid", fatima)
    assert status["handtekening"] and "open_signalen" not in status
    await _get(client, doc, H + "/veiligheid", f"/api/households/{hid}/veiligheid", reg)
