"""The API's lists of people read in the pages' name order (casefolded full name, "de Boer" under d), whatever
order the people were added in: the betrokkenen, a date poll's invitees and votes, the answers and proposed
times that came by mail, a mail group's members and who lacks a key."""

from __future__ import annotations

import uuid
from datetime import timedelta

from support.helpers import bearer
from support.name_order_kit import ALPHABETICAL, add_people, ahead, in_name_order, planned, voted_poll
from support.overleg_kit import regisseur

from eenplan.domain.inbound_ports import MailAnswer, Proposal
from eenplan.domain.overleg import Invitee, Partstat


def _api(demo, suffix: str) -> str:
    return f"/api/households/{demo['household']['id']}{suffix}"


async def test_the_betrokkenen_come_in_name_order(client, services, demo):
    await add_people(services, demo)
    resp = await client.get(_api(demo, "/betrokkenen"), headers=bearer(demo["regisseur"]))
    assert resp.status == 200
    names = [b["name"] for b in (await resp.json())["betrokkenen"]]
    assert set(ALPHABETICAL) <= set(names) and names == in_name_order(names), names


async def test_a_polls_invitees_and_votes_come_in_name_order(client, services, demo, clock):
    ids = await add_people(services, demo)
    start = ahead(clock, 9, 10)
    poll = await voted_poll(services, demo, ids, start)  # invited and voting in the order they were added
    resp = await client.get(_api(demo, f"/polls/{poll.id}"), headers=bearer(demo["regisseur"]))
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    name_of = {v: k for k, v in ids.items()}
    assert [name_of[i["betrokkene_id"]] for i in body["invitees"]] == list(ALPHABETICAL), body
    assert [name_of[b] for b in body["options"][0]["votes"]] == list(ALPHABETICAL), body


async def test_answers_and_proposals_by_mail_come_in_name_order(client, services, demo, clock):
    ids = await add_people(services, demo)
    start = ahead(clock, 10, 14)
    oid = await planned(services, demo, start, tuple(Invitee(ids[n], n == "de Boer") for n in ids))
    async with services.inbound._uow(write=True) as uow:  # as if each answered by mail, in the order added
        for n, name in enumerate(ids):
            at = clock() + timedelta(minutes=n)
            await uow.inbound.put_answer(MailAnswer(oid, ids[name], Partstat.DECLINED, True, at))
            later = start + timedelta(days=1 + n)
            await uow.inbound.add_proposal(
                Proposal(str(uuid.uuid4()), oid, ids[name], later, later + timedelta(hours=1), True, at)
            )
        await uow.commit()
    resp = await client.get(_api(demo, f"/overleggen/{oid}/per-mail"), headers=bearer(demo["regisseur"]))
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    name_of = {v: k for k, v in ids.items()}
    assert [name_of[a["betrokkene_id"]] for a in body["answers"]] == list(ALPHABETICAL), body
    assert [name_of[p["betrokkene_id"]] for p in body["proposals"]] == list(ALPHABETICAL), body


async def test_a_mail_groups_members_come_in_name_order(client, services, demo):
    await add_people(services, demo)
    everyone = await services.betrokkenen.list(regisseur(demo), demo["household"]["id"])
    ids = [b.id for b in sorted(everyone, key=lambda b: b.id)]  # the order the group is stored in: by id
    name_of = {b.id: b.name for b in everyone}
    made = await client.post(
        _api(demo, "/mail/groups"),
        headers=bearer(demo["regisseur"]),
        json={"slug": "iedereen", "name": "Iedereen", "members": ids},
    )
    assert made.status == 201, await made.text()
    created = [name_of[m] for m in (await made.json())["members"]]
    resp = await client.get(_api(demo, "/mail/groups"), headers=bearer(demo["regisseur"]))
    assert resp.status == 200, await resp.text()
    (group,) = (await resp.json())["groups"]
    listed = [name_of[m] for m in group["members"]]
    assert set(ALPHABETICAL) <= set(listed) and len(listed) == len(everyone), listed
    assert listed == created == in_name_order(listed), listed


async def test_who_lacks_a_key_comes_in_name_order(client, services, demo):
    await add_people(services, demo)  # each with an address, none with a key: all three lack one
    resp = await client.get(_api(demo, "/mail/missing-keys"), headers=bearer(demo["regisseur"]))
    assert resp.status == 200, await resp.text()
    names = [m["name"] for m in (await resp.json())["betrokkenen"]]
    assert set(ALPHABETICAL) <= set(names) and names == in_name_order(names), names
