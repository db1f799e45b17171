"""The OpenAPI document against the routes and the validators, so a generated client works.

Every route is described with its path parameters; every query parameter the server requires is marked
required; every body the server's validator accepts is valid by the document's schema, and a body the
document forbids is refused by the server; the plan the server answers is valid by the document.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import validate as validate_openapi
from support.helpers import bearer, plan_url

from eenplan.web.app import ROUTE_TABLES
from eenplan.web.registry import Route

#: a body each validator accepts, by model name (bodies of models not listed: see test_every_body_has_a_sample)
SAMPLES: dict[str, dict[str, Any]] = {
    "PlanChange": {
        "doelen": [
            {
                "titel": "Fatima heeft overzicht over haar geld",
                "acties": [{"wie": "b1", "wat": "Budgetplan maken", "start": "2026-12-01", "einde": "2027-01-15"}],
            }
        ],
        "analyse": {"analyse": "Zorgen over geld", "gewenst_perspectief": "Rust"},
        "afspraken": [{"wat": "Elke maandag bellen", "wie": "b1"}],
        "veiligheidsplan": None,
    },
    "AdoptRequest": {"overleg": "o1"},
    "WrittenPlanRequest": {"asked_by": "b1", "on": "2026-11-30"},
    "NoFamiliegroepsplan": {"on": "2026-11-30"},
    "HouseholdCreate": {"code": "H-2026-099", "name": "Familie Jansen", "gemeente": "Utrecht"},
    "PhaseChangeRequest": {"to": 3, "reason": "Plan geschreven"},
    "BetrokkeneCreate": {"name": "Karin de Boer", "kind": "netwerk", "role": "netwerklid", "reachable_days": ["ma"]},
    "BetrokkenePatch": {"relation": "buurvrouw", "email": None},
    "ConsentRequestBody": {
        "grantee_id": "b1",
        "sections": ["doelen"],
        "purpose": "Hulp bij schulden",
        "until": "2027-06-01",
    },
    "ConsentAnswerBody": {"besluit": "ja"},
    "ConsentFormBody": {"klant_id": "b1", "approved": True, "form_date": "2026-11-30"},
    "OvermachtBody": {
        "recipient_id": "b1",
        "vragen": {
            "doel": "Veiligheid van het kind",
            "zonder_delen": "Niet mogelijk",
            "toestemming_vragen": "Niet mogelijk zonder gevaar",
            "afweging": "Veiligheid gaat voor",
            "welke_informatie": "Alleen het veiligheidsplan",
        },
        "besluit": "delen",
        "sections": ["veiligheidsplan"],
    },
    "MagicLinkRequest": {"email": "fatima@example.org"},
    "OverlegCreate": {
        "type": "voortgangsoverleg",
        "start": "2027-01-12T10:00:00+01:00",
        "end": "2027-01-12T11:00:00+01:00",
        "invitees": [{"betrokkene_id": "b1", "must_attend": True}],
        "location": "Wijkcentrum",
    },
    "OverlegPatch": {"location": "Buurthuis", "reason": "Andere zaal"},
    "OverlegClose": {"decisions": "Plan vastgesteld", "adopted_version": 2, "no_next_reason": "Afgesloten"},
    "AttendanceIn": {"partstat": "accepted"},
    "PollCreate": {
        "type": "startoverleg",
        "options": [{"start": "2027-01-12T10:00:00+01:00", "end": "2027-01-12T11:00:00+01:00"}],
        "invitees": [{"betrokkene_id": "b1"}],
        "initiated": "2026-12-01",
    },
    "PollVotes": {"votes": {"opt1": "yes", "opt2": "maybe"}},
    "PollPick": {"option_id": "opt1", "video_link": "https://meet.example.org/x"},
    "KeyUpload": {"armored": "-----BEGIN PGP PUBLIC KEY BLOCK-----"},
    "GroupCreate": {"slug": "school", "name": "School", "members": ["b1"], "plan_updates": True},
    "CaseOpen": {"doel_id": "financien", "organisatie": "Schuldhulp"},
    "CaseOutcome": {"soort": "acties", "acties": "Bellen", "resultaat": "Afspraak", "termijn": "2027-01-01"},
    "CaseCommitment": {"afspraken": "Nieuwe afspraken", "plan_version": 3},
    "Exclusions": {"sections": ["analyse"]},
    "SignalRaise": {"soort": "onveiligheid", "toelichting": "Gezien bij huisbezoek"},
    "SignalResolve": {"afwegingen": {"1": "ja"}, "besluit": "hulp"},
    "Doel": {"titel": "Youssef gaat elke dag naar school"},
    "Actie": {"wie": "b1", "wat": "Ophalen", "start": "2026-12-01", "einde": "2026-12-20"},
    "Afspraak": {"wat": "Elke maandag bellen"},
    "DoelPatch": {"status": "behaald"},
    "ActiePatch": {"einde": "2027-01-31"},
    "AfspraakPatch": {"wie": None, "wanneer": "maandag"},
}


def _routes() -> list[Route]:
    return [r for t in ROUTE_TABLES for r in t.routes]


def _body_routes() -> list[Route]:
    return [r for r in _routes() if r.body is not None]


@pytest.fixture
async def doc(client) -> dict[str, Any]:
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200
    return await resp.json()


def _validator(doc: dict[str, Any], schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    """A JSON Schema 2020-12 validator for one schema of the document, resolving `$ref` from its root."""
    root = {**doc, **schema}
    return jsonschema.Draft202012Validator(root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _body_schema(doc: dict[str, Any], route: Route) -> dict[str, Any]:
    op = doc["paths"][route.path][route.method.lower()]
    schema: dict[str, Any] = op["requestBody"]["content"]["application/json"]["schema"]
    return schema


def _url(route: Route, household_id: str) -> str:
    """The route's path with the demo household and made-up ids (bodies are validated before any lookup)."""
    return re.sub(r"\{(\w+)[^}]*\}", lambda m: household_id if m[1] == "id" else "1", route.path)


async def test_the_document_is_valid_openapi(doc):
    validate_openapi(doc)
    assert doc["openapi"].startswith("3.1")


async def test_every_path_parameter_is_declared(doc):
    for path, ops in doc["paths"].items():
        names = set(re.findall(r"\{(\w+)", path))
        for method, op in ops.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (method, path)
            assert all(p["required"] for p in op.get("parameters", []) if p["in"] == "path")


def test_every_body_has_a_sample():
    """So the two comparisons below cover every body; a new body model gets a sample here."""
    missing = {r.body.__name__ for r in _body_routes() if r.body is not None} - set(SAMPLES)
    assert not missing, f"add a sample body to SAMPLES for {sorted(missing)}"


async def test_a_body_the_validator_accepts_is_valid_by_the_document(doc):
    for route in _body_routes():
        assert route.body is not None
        sample = SAMPLES.get(route.body.__name__)
        if sample is None:
            continue
        if route.body.__name__ == "PlanChange":
            from eenplan.domain.validation import validate_sections

            validate_sections(sample)  # the plan's validator: domain.sections
        else:
            route.body.model_validate(sample)
        errors = list(_validator(doc, _body_schema(doc, route)).iter_errors(sample))
        assert not errors, (route.method, route.path, [e.message for e in errors])


def _forbidden_variants(schema: dict[str, Any], doc: dict[str, Any], sample: dict[str, Any]) -> list[dict[str, Any]]:
    """Bodies the document forbids: an unknown field, and each known field with a value of the wrong type."""
    out = [{**sample, "zz_not_a_field": 1}]
    for name, prop in (schema.get("properties") or {}).items():
        if "$ref" in prop:
            prop = doc["components"]["schemas"][prop["$ref"].rsplit("/", 1)[1]]
        kinds = {prop.get("type")} if isinstance(prop.get("type"), str) else set()
        if kinds & {"string", "integer", "boolean", "array"} or "enum" in prop:
            bad = copy.deepcopy(sample)
            bad[name] = {"not": "this"}
            out.append(bad)
    return out


async def test_a_body_the_document_forbids_is_refused_by_the_server(client, demo, doc):
    headers = {**bearer(demo["regisseur"]), "If-Match": '"2"'}  # the demo plan's version
    household_id = demo["household"]["id"]
    for route in _body_routes():
        assert route.body is not None
        schema = _body_schema(doc, route)
        validator = _validator(doc, schema)
        sample = SAMPLES.get(route.body.__name__, {})
        for body in _forbidden_variants(schema, doc, sample):
            assert list(validator.iter_errors(body)), (route.path, body)
            resp = await client.request(route.method, _url(route, household_id), json=body, headers=headers)
            assert resp.status == 422, (route.method, route.path, body, resp.status, await resp.text())


async def test_a_case_without_professional_or_organisation_is_forbidden_by_both(client, demo, doc):
    """The service needs a professional or an organisation; the document says so (anyOf)."""
    route = next(r for r in _routes() if r.path.endswith("/stagnatie") and r.method == "POST")
    validator = _validator(doc, _body_schema(doc, route))
    for body in ({"doel_id": "financien"}, {"doel_id": "financien", "organisatie": "  "}):
        assert list(validator.iter_errors(body)), body
        resp = await client.post(_url(route, demo["household"]["id"]), json=body, headers=bearer(demo["regisseur"]))
        assert resp.status == 422, body
    assert not list(validator.iter_errors({"doel_id": "financien", "organisatie": "Schuldhulp"}))


async def test_an_empty_plan_change_is_forbidden_by_both(client, demo, doc):
    route = next(r for r in _routes() if r.path.endswith("/plan") and r.method == "PATCH")
    assert list(_validator(doc, _body_schema(doc, route)).iter_errors({}))
    headers = {**bearer(demo["regisseur"]), "If-Match": '"2"'}
    resp = await client.patch(plan_url(demo), json={}, headers=headers)
    assert resp.status == 422


async def test_the_plan_the_server_answers_is_valid_by_the_document(client, demo, doc):
    for path, person in [("", demo["regisseur"]), ("", demo["by_name"]["Fatima El Amrani"]), ("/versions/1", None)]:
        resp = await client.get(plan_url(demo, path), headers=bearer(person or demo["regisseur"]))
        assert resp.status == 200
        op = doc["paths"]["/api/households/{id}/plan" + ("/versions/{n}" if path else "")]["get"]
        schema = op["responses"]["200"]["content"]["application/json"]["schema"]
        errors = list(_validator(doc, schema).iter_errors(await resp.json()))
        assert not errors, [e.message for e in errors]
    resp = await client.get(plan_url(demo, "/versions"), headers=bearer(demo["regisseur"]))
    schema = doc["paths"]["/api/households/{id}/plan/versions"]["get"]["responses"]["200"]["content"]
    assert not list(_validator(doc, schema["application/json"]["schema"]).iter_errors(await resp.json()))


async def test_a_plan_change_written_from_the_document_is_accepted(client, demo, doc):
    """What a generated client would send: one new goal with an action, shaped by the document only."""
    plan = await (await client.get(plan_url(demo), headers=bearer(demo["regisseur"]))).json()
    doelen = plan["sections"]["doelen"]
    grandmother = next(b for b in demo["betrokkenen"] if b["kind"] == "netwerk")
    new = {"titel": "Youssef gaat elke dag naar school", "acties": []}
    new["acties"].append({"wie": grandmother["id"], "wat": "Ophalen", "start": "2026-12-01", "einde": "2026-12-20"})
    body = {"doelen": [*doelen, new]}
    route = next(r for r in _routes() if r.path.endswith("/plan") and r.method == "PATCH")
    assert not list(_validator(doc, _body_schema(doc, route)).iter_errors(body))
    headers = {**bearer(demo["regisseur"]), "If-Match": f'"{plan["version"]}"'}
    resp = await client.patch(plan_url(demo), json=body, headers=headers)
    assert resp.status == 200, await resp.text()


async def test_required_query_parameters_are_marked_required(client, demo, doc):
    """A GET of a household route without any query: a 422 names a parameter the document marks required,
    and a route with a required parameter is refused without it."""
    household_id = demo["household"]["id"]
    checked = 0
    for path, ops in doc["paths"].items():
        op = ops.get("get")
        if op is None or not path.startswith("/api/households/{id}") or set(re.findall(r"\{(\w+)", path)) != {"id"}:
            continue
        query = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "query"}
        resp = await client.get(path.replace("{id}", household_id), headers=bearer(demo["regisseur"]))
        if resp.status == 422:
            named = {e["field"] for e in (await resp.json()).get("errors", [])}
            conditional = [n for n in named if "required for" in query.get(n, {}).get("description", "")]
            assert named and all(query.get(n, {}).get("required") or n in conditional for n in named), (path, named)
            checked += 1
        else:
            assert not any(p["required"] for p in query.values()), (path, resp.status)
    assert checked >= 2  # the diff and the startoverleg window at least


async def test_the_monitoring_parameters_are_required(doc):
    op = doc["paths"]["/api/monitoring"]["get"]
    flags = {p["name"]: p["required"] for p in op["parameters"]}
    assert flags == {"gemeente": True, "from": True, "to": True, "format": False}


async def test_two_enums_of_one_name_keep_their_own_values(doc):
    """Overmacht's besluit (delen/niet_delen) and a safety signal's (melden/hulp/beide) are both named
    Besluit in the code; the document must not give one body the other's values."""
    samples = {
        "/api/households/{id}/overmacht": "delen",
        "/api/households/{id}/veiligheid/signalen/{signal}/afhandelen": "hulp",
    }
    for path, value in samples.items():
        schema = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        root = {**doc, **schema["properties"]["besluit"]}
        assert jsonschema.Draft202012Validator(root).is_valid(value), path
