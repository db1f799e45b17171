"""Input no client should send answers 4xx naming what was wrong, never 500 (issue 10 item 7 and 8).

Hostile input does not depend on the database, so these tests run on SQLite only.
"""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from support.helpers import bearer, plan_url

from eenplan.web.app import ROUTE_TABLES

BIG = "9999999999999999999999999"  # above 64 bits
DEEP_ARRAY = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"a":' * 40 + "1" + "}" * 40  # fits the parser's stack, deeper than any body needs


def _fields(problem: dict) -> set[str]:
    return {e["field"] for e in problem.get("errors", [])}


async def _expect_422(resp, field: str) -> None:
    assert resp.status == 422, (resp.status, await resp.text())
    assert resp.content_type == "application/problem+json"
    assert field in _fields(await resp.json())


@pytest.mark.parametrize(
    "suffix, field",
    [
        ("/plan/versions/" + BIG, "n"),
        ("/plan/versions?before=" + BIG, "before"),
        ("/plan/versions?limit=" + BIG, "limit"),
        (f"/plan/diff?from={BIG}&to=1", "from"),
        (f"/plan/diff?from=1&to={BIG}", "to"),
        ("/plan/versions/-" + BIG, "n"),
        ("/plan/versions/" + "1" * 5000, "n"),
        ("/plan/versions/%C2%B2", "n"),  # a superscript two is a digit to str.isdigit, not to int()
        ("/toegangslog?before=" + BIG, "before"),
        ("/mail/outbox?limit=" + BIG, "limit"),
        (f"/overleggen/slots?type=voortgangsoverleg&from=2026-01-05&to=2026-01-09&duration={BIG}", "duration"),
        ("/overleggen/slots?type=voortgangsoverleg&from=2026-01-05&to=2026-01-09&duration=100000", "duration"),
        (f"/overleggen/slots?type=voortgangsoverleg&from=2026-01-05&to=2026-01-09&limit={BIG}", "limit"),
        (f"/overleggen/slots?type=voortgangsoverleg&from=2026-01-05&to=2026-01-09&per_day={BIG}", "per_day"),
        ("/overleggen/slots?type=voortgangsoverleg&from=0001-01-01&to=2026-01-09", "from"),
        ("/overleggen/slots?type=voortgangsoverleg&from=2026-01-05&to=9999-12-31", "to"),
        ("/overleggen/slots?initiated=9999-12-31", "initiated"),
        ("/overleggen/window?initiated=9999-12-31", "initiated"),
    ],
)
async def test_out_of_range_numbers_and_dates_are_422_naming_the_parameter(client, demo, suffix, field):
    resp = await client.get(f"/api/households/{demo['household']['id']}{suffix}", headers=bearer(demo["regisseur"]))
    await _expect_422(resp, field)


async def test_huge_if_match_is_422(client, demo):
    for tag in (f'"{BIG}"', '"²"'):
        resp = await client.patch(
            plan_url(demo), json={"analyse": {"analyse": "x"}}, headers={**bearer(demo["regisseur"]), "If-Match": tag}
        )
        await _expect_422(resp, "If-Match")


async def test_ordinary_numbers_still_work(client, demo):
    resp = await client.get(plan_url(demo, "/versions/1"), headers=bearer(demo["regisseur"]))
    assert resp.status == 200
    resp = await client.get(plan_url(demo, "/diff?from=1&to=2"), headers=bearer(demo["regisseur"]))
    assert resp.status == 200


def _body_routes() -> list[tuple[str, str]]:
    return [(r.method, r.path) for t in ROUTE_TABLES for r in t.routes if r.body is not None]


def test_every_body_route_is_swept():
    assert len(_body_routes()) >= 20  # the sweep below would silently shrink if bodies lost their models


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["10000-deep", "40-deep"])
async def test_deeply_nested_json_is_422_on_every_body_route(client, demo, body):
    ids = {"id": demo["household"]["id"], "bid": demo["regisseur"]["id"], "n": "1"}
    headers = {**bearer(demo["regisseur"]), "If-Match": '"2"', "Content-Type": "application/json"}
    for method, path in _body_routes():
        url = path.format_map({k: ids.get(k, str(uuid.uuid4())) for k in _names(path)})
        resp = await client.request(method, url, data=body, headers=headers)
        assert resp.status == 422, (method, path, resp.status, await resp.text())
        assert "body" in _fields(await resp.json()), (method, path)


def _names(path: str) -> list[str]:
    return [p[1:-1] for p in path.split("/") if p.startswith("{")]


async def test_a_plan_of_ordinary_depth_is_accepted(client, demo):
    doel = {"titel": "t", "acties": [{"wat": "w", "wie": demo["regisseur"]["id"]}]}
    resp = await client.patch(
        plan_url(demo), json={"doelen": [doel]}, headers={**bearer(demo["regisseur"]), "If-Match": '"2"'}
    )
    assert resp.status in (200, 422), await resp.text()
    if resp.status == 422:  # a schema problem is fine here; depth must not be the reason
        assert "body" not in _fields(await resp.json())


async def test_405_lists_the_allowed_methods(client, demo):
    resp = await client.delete(plan_url(demo), headers=bearer(demo["regisseur"]))
    assert resp.status == 405
    assert set(resp.headers["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH"}
    assert resp.content_type == "application/problem+json"


async def test_server_header_names_no_versions(client, demo):
    for resp in (
        await client.get(plan_url(demo), headers=bearer(demo["regisseur"])),
        await client.get("/api/openapi.json"),
        await client.get("/nope"),
        await client.get(plan_url(demo)),
    ):
        assert resp.headers["Server"] == "eenplan", resp.headers["Server"]


async def test_oversized_authorization_is_refused_without_traceback_or_echo(client, demo, caplog):
    caplog.set_level(logging.DEBUG)
    token = "Q" * 6_000  # reaches the app: refused unread
    resp = await client.get(plan_url(demo), headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 401 and resp.content_type == "application/problem+json"
    assert "QQQQ" not in await resp.text()
    token = "Q" * 100_000  # refused by aiohttp's HTTP parser before the app sees it
    resp = await client.get(plan_url(demo), headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 400 and resp.headers["Server"] == "eenplan"
    assert resp.content_type == "application/problem+json"  # not aiohttp's text, which quoted the first bytes
    assert "QQQQ" not in await resp.text()
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]
    assert "QQQQ" not in caplog.text
    assert "refused a malformed HTTP request: LineTooLong" in caplog.text


async def test_an_overlong_address_is_refused_without_echoing_its_query(client, demo):
    resp = await client.get(plan_url(demo) + "?x=SECRETQUERY" + "Z" * 10_000)
    assert resp.status in (400, 414) and resp.content_type == "application/problem+json"
    assert "SECRETQUERY" not in await resp.text()


@pytest.mark.parametrize(
    "path, body, field",
    [
        (
            "/overleggen",
            {
                "type": "voortgangsoverleg",
                "start": "9999-12-31T23:00:00+00:00",
                "end": "9999-12-31T23:30:00+00:00",
                "invitees": [{"betrokkene_id": "FATIMA", "must_attend": True}],
            },
            "start",
        ),  # was a 500: the moment overflows when shown in Amsterdam time
        ("/betrokkenen", {"name": "X", "kind": "klant", "role": "jeugdige", "birth_date": "0001-01-01"}, "birth_date"),
        (
            "/toestemmingen",
            {"grantee_id": "REGISSEUR", "sections": ["analyse"], "purpose": "hulpverlening", "until": "9999-12-31"},
            "until",
        ),
    ],
)
async def test_far_dates_in_bodies_are_422_naming_the_field(client, demo, path, body, field):
    ids = {"FATIMA": demo["by_name"]["Fatima El Amrani"]["id"], "REGISSEUR": demo["regisseur"]["id"]}
    text = json.dumps(body)
    for placeholder, value in ids.items():
        text = text.replace(placeholder, value)
    resp = await client.post(
        f"/api/households/{demo['household']['id']}{path}",
        data=text,
        headers={**bearer(demo["regisseur"]), "Content-Type": "application/json"},
    )
    await _expect_422(resp, field)


@pytest.mark.both_databases  # PostgreSQL refuses NUL in text: these were 500s there
async def test_nul_characters_never_reach_the_database(client, demo):
    headers = bearer(demo["regisseur"])
    hh = demo["household"]["id"]
    for url in (f"/api/households/{hh}/betrokkenen/a%00b", f"/api/households/{hh}/overleggen/%00"):
        assert (await client.get(url, headers=headers)).status == 404
    resp = await client.get(f"/api/households/{hh}/toestemmingen?status=%00", headers=headers)
    await _expect_422(resp, "status")
    ids = {"id": hh, "bid": demo["regisseur"]["id"], "n": "1"}
    for method, path in _body_routes():
        url = path.format_map({k: ids.get(k, str(uuid.uuid4())) for k in _names(path)})
        resp = await client.request(
            method,
            url,
            data='{"name": "a\\u0000b"}',
            headers={**headers, "If-Match": '"2"', "Content-Type": "application/json"},
        )
        assert resp.status == 422, (method, path, resp.status)
        assert "body" in _fields(await resp.json()), (method, path)
    resp = await client.post("/auth/magic-link", json={"email": "a@example.org", "next": "/\u0000"})
    await _expect_422(resp, "body")


@pytest.mark.parametrize("text", ["-+5", "+-5", "1_000", "²", "1e3", "0x10", "٣", " ", "5.0", "9" * 5000])
def test_parse_int_refuses_what_is_not_a_bounded_whole_number(text):
    from eenplan.domain.errors import ValidationFailed
    from eenplan.web.params import parse_int

    with pytest.raises(ValidationFailed) as caught:
        parse_int(text, "before", default=None)
        raise AssertionError("accepted")
    assert caught.value.problems[0].field == "before"
