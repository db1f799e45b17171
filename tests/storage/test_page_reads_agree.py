"""The pages' hot reads (`storage/page_reads.py`, no unit of work) answer what the stores answer — the household's
people and a person's own web reads — and a change committed elsewhere is seen at the very next read (the people
are kept on SQLite only while no other connection committed), on SQLite and PostgreSQL."""

from __future__ import annotations

from eenplan.domain.access import Principal
from eenplan.domain.audit import Channel, Event
from eenplan.storage.page_reads import WEB_READS_LIMIT, PageReader


async def test_the_hot_reads_agree_with_the_stores_and_see_changes_at_once(services, demo):
    hid = demo["household"]["id"]
    reads = PageReader(services.plan._reads)
    fatima = demo["by_name"]["Fatima El Amrani"]

    async def from_stores():
        async with services.plan._uow() as uow:
            household = await uow.households.get(hid)
            people = await uow.betrokkenen.list(hid, include_removed=True)
            details = await uow.access_log.actor_details(
                hid, fatima["id"], Event.READ.value, Channel.WEB.value, "versie ", limit=WEB_READS_LIMIT
            )
        return (household.name, sorted(people, key=lambda p: p.id)), details

    await services.plan.current(Principal(fatima["id"], hid), hid, channel=Channel.WEB)
    (name, people), details = await from_stores()
    found = await reads.people(hid)
    assert found is not None and (found[0], sorted(found[1], key=lambda p: p.id)) == (name, people)
    assert await reads.web_reads(hid, fatima["id"], Event.READ.value, Channel.WEB.value, "versie ") == details
    assert details  # the read above is one of them

    regisseur = Principal(demo["regisseur"]["id"], hid, second_factor=True)
    await services.betrokkenen.update(regisseur, hid, fatima["id"], {"name": "Fatima Amrani-Zahra"})
    again = await reads.people(hid)
    assert again is not None and "Fatima Amrani-Zahra" in {p.name for p in again[1]}
    assert await reads.people("00000000-0000-0000-0000-000000000000") is None


async def test_a_sessions_households_on_the_hot_path_agree_with_the_store(services, demo, capsys):
    import re

    from eenplan.domain.sessions import secret_hash

    capsys.readouterr()
    await services.signin.request_link(email="fatima@example.org", client_ip="192.0.2.9")
    await services.signin.settle()
    (link,) = re.findall(r"/auth/magic-link/([A-Za-z0-9_-]{43})", capsys.readouterr().out)
    token = str((await services.signin.redeem_link(link, "192.0.2.9", "pytest")).token)
    reads = PageReader(services.plan._reads)

    _, members = await services.sessions.members(token)
    pairs = {(m.household_id, m.betrokkene_id) for m in members}
    assert pairs
    async with services.plan._uow() as uow:
        stored = await uow.persons.household_entries(sorted(b for _, b in pairs))
    assert await reads.household_entries(secret_hash(token), pairs) == stored
    assert await reads.household_entries(secret_hash(token), set()) == []  # only memberships that still count
    assert await reads.household_entries(secret_hash("x" * 43), pairs) == []  # another session reaches nothing
    listed = await services.people.household_list(token)
    assert [e.household_id for e in listed.entries] == [demo["household"]["id"]]
    assert not listed.regisseur_somewhere  # a klant: no werkbank (a regisseur: tests/web/test_pages_werkbank.py)
