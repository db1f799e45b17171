"""A caseload with something to do, built over the API as a regisseur works (shared by the werkbank tests)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from support.helpers import bearer

SANNE = "sanne.devries@example.org"
LINK = re.compile(r"https?://\S+/auth/magic-link/([A-Za-z0-9_-]{43})")


async def session_of(client: Any, capsys: Any, email: str) -> str:
    """A person's session token by the mail link (settings with `second_factor="off"` for a professional)."""
    from eenplan.web.keys import SERVICES

    capsys.readouterr()
    assert (await client.post("/auth/magic-link", json={"email": email})).status == 202
    await client.app[SERVICES].signin.settle()
    (token,) = LINK.findall(capsys.readouterr().out)
    redeemed = await client.post(f"/auth/magic-link/{token}")
    assert redeemed.status == 200, await redeemed.text()
    return str((await redeemed.json())["session"])


async def busy_household(client: Any, demo: dict) -> str:
    """The demo household in phase 3 (the startoverleg window runs from today) with an open safety signal,
    a consent request waiting and a stagnation case at step 1; its id."""
    from eenplan.web.keys import SERVICES

    hh = demo["household"]["id"]
    reg = bearer(demo["regisseur"])
    until = client.app[SERVICES].plan.today() + timedelta(days=210)  # months ahead of the services' clock
    for to in (2, 3):
        resp = await client.post(f"/api/households/{hh}/phase", json={"to": to, "reason": "volgende stap"}, headers=reg)
        assert resp.status == 200, await resp.text()
    resp = await client.post(
        f"/api/households/{hh}/veiligheid/signalen",
        headers=bearer(demo["by_name"]["Joost Willems"]),
        json={"soort": "onvoldoende_basiszorg", "toelichting": "GEHEIM-SIGNAAL geen eten in huis"},
    )
    assert resp.status == 201, await resp.text()
    resp = await client.post(
        f"/api/households/{hh}/toestemmingen",
        headers=reg,
        json={
            "grantee_id": demo["by_name"]["Joost Willems"]["id"],
            "sections": ["analyse"],
            "purpose": "Schuldhulp moet de analyse kennen",
            "until": until.isoformat(),
        },
    )
    assert resp.status == 201, await resp.text()
    resp = await client.post(
        f"/api/households/{hh}/stagnatie",
        headers=reg,
        json={"doel_id": "school", "actie_id": "mentor", "organisatie": "Jeugdteam", "toelichting": "Geen gesprek"},
    )
    assert resp.status == 201, await resp.text()
    return str(hh)


async def second_household(client: Any, demo: dict, code: str = "H-2026-077") -> str:
    """A quiet household opened by the demo regisseur (phase 1, nothing to do): its id."""
    created = await client.post(
        "/api/households",
        json={"code": code, "name": "Gezin Jansen", "gemeente": "Heerlen"},
        headers=bearer(demo["regisseur"]),
    )
    assert created.status == 201, await created.text()
    return str((await created.json())["household"]["id"])
