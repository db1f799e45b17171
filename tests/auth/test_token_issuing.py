"""A token issued by a credential that does not speak for its holder never speaks for anyone."""

from __future__ import annotations

from support.helpers import bearer

from eenplan.domain.access import Principal


async def test_a_non_personal_credential_cannot_mint_itself_a_personal_token(client, demo, services):
    hh, sanne = demo["household"]["id"], demo["regisseur"]["id"]
    joost = demo["by_name"]["Joost Willems"]["id"]
    # Sanne holds a credential someone else (Joost) issued for her: it may work, never speak for her
    held = Principal(sanne, hh, issued_by=joost)
    minted = await services.tokens.issue_for(held, hh, sanne)
    resp = await client.get(f"/api/households/{hh}/toegangslog", headers=bearer({"token": minted.token}))
    assert resp.status == 403, await resp.text()  # reading the log is the person's own act
    assert services.tokens.verify(minted.token).issued_by == joost

    own = await services.tokens.issue_for(Principal(sanne, hh), hh, sanne)  # her own session issues for herself
    assert services.tokens.verify(own.token).issued_by in (None, sanne)
