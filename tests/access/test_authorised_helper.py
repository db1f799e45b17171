"""`services.common.authorised`, the one preamble of every use case: membership (404) and the role or
personal requirement (403) are checked before the body runs, and a failing body leaves nothing written."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from eenplan.domain.access import Principal
from eenplan.domain.errors import Forbidden, NotFound, ValidationFailed
from eenplan.services.common import Need, authorised


def _principal(person: dict, household_id: str, issued_by: str | None = None) -> Principal:
    return Principal(person["id"], household_id, issued_by=issued_by)


async def _body_runs(services, principal: Principal, household_id: str, **kw) -> bool:
    """Enter `authorised`; True when the body ran (the caller passed every check)."""
    ran = False
    async with authorised(services.plan._uow, principal, household_id, **kw):
        ran = True
    return ran


async def test_a_non_member_gets_not_found_before_the_body(services, demo):
    hh = demo["household"]["id"]
    ran = []
    for principal, household_id in (
        (Principal("no-such-betrokkene", hh), hh),  # not a betrokkene
        (_principal(demo["regisseur"], hh), "another-household"),  # other household
        (_principal(demo["regisseur"], "another-household"), hh),
    ):
        with pytest.raises(NotFound) as caught:
            async with authorised(services.plan._uow, principal, household_id, write=True):
                ran.append(principal)
        assert caught.value.detail == "household not found"  # the same answer as for no household at all
    assert ran == []


async def test_a_non_regisseur_gets_forbidden_before_the_body(services, demo):
    hh = demo["household"]["id"]
    klant = _principal(demo["by_name"]["Fatima El Amrani"], hh)
    ran = False
    with pytest.raises(Forbidden, match="only a regisseur may change the phase"):
        async with authorised(services.plan._uow, klant, hh, write=True, need=Need.REGISSEUR, what="change the phase"):
            ran = True
    assert not ran
    assert await _body_runs(services, klant, hh)  # as a member, the klant passes a MEMBER need
    assert await _body_runs(services, _principal(demo["regisseur"], hh), hh, need=Need.REGISSEUR, what="x")


async def test_a_token_issued_by_someone_else_gets_forbidden_for_a_personal_need(services, demo):
    hh = demo["household"]["id"]
    klant = demo["by_name"]["Fatima El Amrani"]
    issued = _principal(klant, hh, issued_by=demo["regisseur"]["id"])
    for need in (Need.PERSONAL, Need.PERSONAL_KLANT):
        ran = False
        with pytest.raises(Forbidden, match="a token issued by someone else cannot answer a consent request"):
            async with authorised(services.plan._uow, issued, hh, need=need, what="answer a consent request"):
                ran = True
        assert not ran
    assert await _body_runs(services, _principal(klant, hh), hh, need=Need.PERSONAL_KLANT, what="x")
    # the role is checked before the credential: a netwerk member's issued token hears it is not a klant
    netwerk = _principal(demo["by_name"]["Khadija El Amrani"], hh, issued_by=demo["regisseur"]["id"])
    with pytest.raises(Forbidden, match="only the klant may"):
        await _body_runs(services, netwerk, hh, need=Need.PERSONAL_KLANT, what="revoke consent")


async def test_the_caller_names_the_actor_and_the_current_version(services, demo):
    hh = demo["household"]["id"]
    async with authorised(services.plan._uow, _principal(demo["regisseur"], hh), hh) as caller:
        household = await caller.uow.households.get(hh)
    assert caller.actor.betrokkene_id == demo["regisseur"]["id"] and caller.actor.is_regisseur
    assert household is not None and caller.current_version == household.current_version


async def test_a_failure_in_the_body_rolls_the_write_back(services, demo):
    hh = demo["household"]["id"]
    regisseur = _principal(demo["regisseur"], hh)
    klant_id = demo["by_name"]["Fatima El Amrani"]["id"]
    with pytest.raises(ValidationFailed):
        async with authorised(
            services.plan._uow, regisseur, hh, write=True, need=Need.REGISSEUR, what="rename"
        ) as caller:
            found = await caller.uow.betrokkenen.get(hh, klant_id)
            assert found is not None
            await caller.uow.betrokkenen.update(replace(found, name="Half Geschreven"))
            raise ValidationFailed.one("name", "refused after the write")
    async with authorised(services.plan._uow, regisseur, hh) as caller:
        after = await caller.uow.betrokkenen.get(hh, klant_id)
    assert after is not None and after.name == "Fatima El Amrani"


async def test_a_requirement_without_what_is_a_programming_error(services, demo):
    hh = demo["household"]["id"]
    with pytest.raises(ValueError):
        await _body_runs(services, _principal(demo["regisseur"], hh), hh, need=Need.REGISSEUR)


def test_services_authorise_only_through_the_helper():
    """No service resolves the caller itself or checks the klant or the credential ahead of its body:
    those checks live in `authorised` (a regisseur check that depends on content may stay in a body)."""
    services = Path(__file__).resolve().parents[2] / "server" / "eenplan" / "services"
    for module in services.glob("*.py"):
        if module.name == "common.py":
            continue
        text = module.read_text()
        for name in ("resolve_actor(", "require_klant(", "require_personal(", "regisseur_in("):
            assert name not in text, f"{module.name} calls {name[:-1]}: use services.common.authorised"
