"""Review finding on Inzage (issue 12): the download is logged once as an export of all versions, not as a
web read of each, so it does not count as a visit of the plan."""

from __future__ import annotations

import html
import json

from support.log_kit import ids, klant_with_second_factor
from support.plan_kit import regisseur

from eenplan.domain.access import Principal
from eenplan.domain.audit import Channel, Event


async def test_the_download_is_one_export_and_not_a_visit(client, services, demo, capsys, clock):
    hid, _joost, _inge, fatima = ids(demo)
    await klant_with_second_factor(client, capsys, clock, hid)
    assert (await client.get(f"/huishoudens/{hid}/plan")).status == 200  # she reads version 2
    doelen = json.loads((await services.plan.current(regisseur(demo), hid)).sections["doelen"])
    doelen[0]["titel"] = "Fatima heeft overzicht over haar geld en haar post"
    await services.plan.change(regisseur(demo), hid, None, {"doelen": doelen})  # version 3
    resp = await client.get(f"/huishoudens/{hid}/inzage.zip")
    assert resp.status == 200

    log = await services.access_log.entries(Principal(fatima, hid, second_factor=True), hid, limit=100)
    mine = [e for _, e in log if e.actor_id == fatima]
    exports = [e for e in mine if e.detail.startswith("inzage: versies")]
    assert len(exports) == 1 and exports[0].event is Event.EXPORT and exports[0].channel is Channel.WEB
    assert exports[0].detail == "inzage: versies 1–3" and "doelen" in exports[0].sections
    assert not any(e.event is Event.READ and e.channel is Channel.WEB and e.detail == "versie 3" for e in mine)

    plan = html.unescape(await (await client.get(f"/huishoudens/{hid}/plan")).text())
    assert "U las eerder versie 2." in plan and "veranderd?van=2&tot=3" in plan
