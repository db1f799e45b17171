"""Inzage (AVG art. 15): the klant downloads a zip of JSON files and the PDF of everything they may see;
what they may not see (an overleg they are not invited to) is not in it, and the download is access-logged."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

from support.factor_pages import sign_in_by_link
from support.log_kit import FATIMA, ids, klant_with_second_factor

from eenplan.domain.access import Principal
from eenplan.domain.audit import Channel, Event

HIDDEN = "MARKER-NIET-VOOR-FATIMA-7f3a"
SHOWN = "MARKER-WEL-VOOR-FATIMA-2c9d"
FILES = {
    "LEESMIJ.txt",
    "huishouden.json",
    "betrokkenen.json",
    "toestemmingen.json",
    "overmacht.json",
    "overleggen.json",
    "toegangslog.json",
    "plan.pdf",
}


async def _overleg(client: Any, demo: dict[str, Any], clock: Any, agenda: str, invitees: list[str]) -> str:
    start = clock() + timedelta(days=10)
    body = {
        "type": "voortgangsoverleg",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "location": "Wijkcentrum",
        "agenda": agenda,
        "invitees": [{"betrokkene_id": i, "must_attend": False} for i in invitees],
    }
    hid = demo["household"]["id"]
    headers = {"Authorization": f"Bearer {demo['regisseur']['token']}"}
    resp = await client.post(f"/api/households/{hid}/overleggen", json=body, headers=headers)
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


async def test_the_zip_holds_every_file_as_json_and_nothing_the_klant_may_not_see(
    client, services, demo, capsys, clock
):
    hid, joost, inge, fatima = ids(demo)
    hidden = await _overleg(client, demo, clock, f"Agenda {HIDDEN}", [joost, inge])
    shown = await _overleg(client, demo, clock, f"Agenda {SHOWN}", [fatima, joost])
    await services.plan.current(Principal(joost, hid), hid, channel=Channel.MAIL)
    await klant_with_second_factor(client, capsys, clock, hid)

    page = await client.get(f"/huishoudens/{hid}/inzage")
    text = await page.text()
    assert page.status == 200 and "AVG" in text and f'href="/huishoudens/{hid}/inzage.zip"' in text

    resp = await client.get(f"/huishoudens/{hid}/inzage.zip")
    assert resp.status == 200 and resp.content_type == "application/zip"
    assert resp.headers["Cache-Control"] == "no-store"
    disposition = resp.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="inzage-\d{4}-\d{2}-\d{2}\.zip"', disposition), disposition
    body = await resp.read()
    archive = zipfile.ZipFile(io.BytesIO(body))
    names = set(archive.namelist())
    assert names >= FILES and {"plan/versie-0001.json", "plan/versie-0002.json"} <= names, names
    contents = {name: archive.read(name) for name in names}
    assert contents["plan.pdf"].startswith(b"%PDF")
    parsed = {name: json.loads(data) for name, data in contents.items() if name.endswith(".json")}
    for name, data in contents.items():
        assert HIDDEN.encode() not in data, f"{name} holds what Fatima may not see"
    assert HIDDEN.encode() not in body

    overleggen = {o["id"]: o for o in parsed["overleggen.json"]}
    assert hidden not in overleggen and SHOWN in overleggen[shown]["agenda"]
    version = parsed["plan/versie-0002.json"]
    assert version["versie"]["number"] == 2 and "algemeen" in version["delen"]
    assert any(e["door"] == "Joost Willems" and e["channel"] == "mail" for e in parsed["toegangslog.json"])
    assert parsed["huishouden.json"]["huishouden"]["code"] == "DEMO-001"
    assert any(b["name"] == "Khadija El Amrani" for b in parsed["betrokkenen.json"])

    log = await services.access_log.entries(Principal(fatima, hid, second_factor=True), hid, limit=50)
    mine = [e for _, e in log if e.actor_id == fatima]
    assert any(
        e.event is Event.EXPORT
        and e.channel is Channel.WEB
        and e.detail == "inzage: versies 1–2"
        and "algemeen" in e.sections
        for e in mine
    )
    assert any(e.channel is Channel.PDF for e in mine)
    assert any(e.channel is Channel.WEB and e.detail.startswith("overleg ") for e in mine)  # the agenda it holds


async def test_without_a_second_factor_the_page_leads_to_the_second_step_first(client, demo, capsys):
    hid, *_ = ids(demo)
    await sign_in_by_link(client, capsys, FATIMA)
    text = await (await client.get(f"/huishoudens/{hid}/inzage")).text()
    assert "inzage.zip" not in text and "/inloggen/tweede-stap?next=" in text
    resp = await client.get(f"/huishoudens/{hid}/inzage.zip", allow_redirects=False)
    assert resp.status == 303
    assert unquote(resp.headers["Location"]) == f"/inloggen/tweede-stap?next=/huishoudens/{hid}/inzage.zip"
