"""A revocation made through one node decides the very next request through another (issue 15 item 3's rule):
a revoked API token, and a revoked consent. Node B has served the token and the section just before, so
anything it remembered would show here."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from eenplan.domain.access import Level, Principal
from eenplan.domain.consent import ConsentMethod
from eenplan.domain.errors import Unauthenticated

pytestmark = pytest.mark.both_databases


def person(demo, name: str) -> Principal:
    return Principal(demo["by_name"][name]["id"], demo["household"]["id"], second_factor=True)


async def test_a_token_revoked_through_node_a_is_refused_by_node_b_at_the_next_request(services, node_b, demo):
    hid = demo["household"]["id"]
    regisseur = Principal(demo["regisseur"]["id"], hid, second_factor=True)
    issued = await services.tokens.issue_for(regisseur, hid, demo["by_name"]["Khadija El Amrani"]["id"])
    assert (await node_b.tokens.authenticate(issued.token)).betrokkene_id == demo["by_name"]["Khadija El Amrani"]["id"]
    await node_b.plan.current(await node_b.tokens.authenticate(issued.token), hid)  # node B is warm
    await services.tokens.revoke(regisseur, hid, issued.jti)
    with pytest.raises(Unauthenticated):
        await node_b.tokens.authenticate(issued.token)


async def test_a_consent_revoked_through_node_a_hides_the_section_on_node_b_at_the_next_request(services, node_b, demo):
    hid = demo["household"]["id"]
    oma = person(demo, "Khadija El Amrani")
    assert "krachten_zorgen" not in (await node_b.plan.current(oma, hid)).sections
    asked = await services.consent.request(
        Principal(demo["regisseur"]["id"], hid, second_factor=True),
        hid,
        grantee_id=oma.betrokkene_id,
        sections=["krachten_zorgen"],
        level=Level.READ,
        purpose="Oma helpt bij de opvoeding en moet de krachten kennen",
        until=date.today() + timedelta(days=30),
        about_id=None,
    )
    cid = asked.consent.id
    for name in ("Fatima El Amrani", "Youssef El Amrani"):
        await node_b.consent.answer(person(demo, name), hid, cid, True, ConsentMethod.WRITTEN)
    assert "krachten_zorgen" in (await node_b.plan.current(oma, hid)).sections  # granted through B, seen on B
    assert "krachten_zorgen" in (await services.plan.current(oma, hid)).sections  # and on A
    await services.consent.revoke(person(demo, "Youssef El Amrani"), hid, cid)
    assert "krachten_zorgen" not in (await node_b.plan.current(oma, hid)).sections
