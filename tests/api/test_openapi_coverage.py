"""Every route of the API says what its success answers hold: a JSON schema, or — only for a bodiless 204 or
redirect (302/303) or a download — no JSON, with the download's media type declared and a string schema (binary
for a PDF; text for iCalendar or CSV). A route added without one fails here (by name), so a generated client
never meets an undescribed answer."""

from __future__ import annotations

#: a success answer without a body is allowed only for these codes (no content; a redirect: OIDC's login is 302)
BODILESS = {"204", "302", "303"}
#: a download declares its media type (not JSON) with a string schema: binary (PDF) or text (iCalendar, CSV)
BINARY = {"type": "string", "format": "binary"}
DOWNLOADS = ({"type": "string"}, BINARY)


def undescribed(doc: dict) -> list[str]:
    """`METHOD path` of every operation whose first success answer has no schema (or an unfit one)."""
    missing = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            codes = sorted(c for c in op["responses"] if c.isdigit() and 200 <= int(c) < 400)
            if not codes:
                missing.append(f"{method.upper()} {path} (no success answer)")
                continue
            for code in codes:
                content = op["responses"][code].get("content")
                if content is None:
                    if code not in BODILESS:
                        missing.append(f"{method.upper()} {path} {code}")
                    continue
                for media, body in content.items():
                    schema = body.get("schema")
                    json_like = media == "application/json" or media.endswith("+json")
                    if not schema or (not json_like and schema not in DOWNLOADS):
                        missing.append(f"{method.upper()} {path} {code} {media}")
    return sorted(missing)


async def test_every_success_answer_of_the_api_has_a_schema(client):
    doc = await (await client.get("/api/openapi.json")).json()
    assert undescribed(doc) == []


def test_the_check_itself_finds_an_answer_without_a_schema():
    doc = {
        "paths": {
            "/a": {"get": {"responses": {"200": {"description": "OK"}}}},
            "/b": {"delete": {"responses": {"204": {"description": "Gone"}}}},
            "/c": {"get": {"responses": {"200": {"description": "OK", "content": {"application/pdf": {}}}}}},
            "/d": {"get": {"responses": {"200": {"content": {"application/pdf": {"schema": BINARY}}}}}},
            "/e": {"get": {"responses": {"200": {"content": {"text/csv": {"schema": {"type": "object"}}}}}}},
            "/f": {"post": {"responses": {"201": {"content": {"application/json": {"schema": {"type": "object"}}}}}}},
        }
    }
    assert undescribed(doc) == ["GET /a 200", "GET /c 200 application/pdf", "GET /e 200 text/csv"]
