"""Keys offered by mail (issue 14): the Autocrypt header on a member's answer becomes a key the owner confirms on
"Mijn gegevens" — never pinned by itself; for someone who has a key, only when that key signed the mail."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from support.mail_fixtures import MAIL_DOMAIN
from support.pagekit import csrf_of, sign_in

from eenplan.domain.access import Principal
from eenplan.domain.errors import Forbidden
from eenplan.domain.overleg import Invitee, OverlegType
from eenplan.services.overleg_drafts import OverlegDraft
from eenplan_crypto.testing import create_keys

from .samples import thunderbird
from .test_inbound_replies import calendar_entity, signed_message

AMS = ZoneInfo("Europe/Amsterdam")
GROUP = f"plan-demo-001@{MAIL_DOMAIN}"
FATIMA = "fatima@example.org"


@pytest.fixture(scope="module")
def keys():
    made = create_keys({"old": ("good", f"Fatima <{FATIMA}>"), "new": ("good", f"Fatima <{FATIMA}>")})
    yield made
    for key in made.values():
        key.cleanup()


def autocrypt(key, addr: str = FATIMA) -> str:
    data = base64.b64encode(key.gpg("--export", key.fingerprint).stdout).decode()
    folded = "\r\n ".join(data[i : i + 76] for i in range(0, len(data), 76))
    return f"Autocrypt: addr={addr}; prefer-encrypt=mutual; keydata=\r\n {folded}\r\n"


@pytest.fixture
async def answer(services, demo):
    """A Thunderbird accept of a planned overleg, from Fatima (without headers added yet)."""
    sanne = Principal(demo["regisseur"]["id"], demo["household"]["id"], second_factor=True)
    start = (datetime.now(AMS) + timedelta(days=14)).replace(hour=10, minute=0, second=0, microsecond=0)
    view, _ = await services.overleggen.plan(
        sanne,
        demo["household"]["id"],
        OverlegDraft(
            OverlegType.VOORTGANGSOVERLEG,
            start,
            start + timedelta(hours=1),
            (Invitee(demo["by_name"]["Fatima El Amrani"]["id"], True),),
        ),
    )
    return thunderbird(view.uid, view.sequence, start, GROUP, FATIMA, "Fatima", "ACCEPTED")


async def candidate(services, demo):
    async with services.overleggen._uow() as uow:
        return await uow.inbound.candidate(demo["household"]["id"], demo["by_name"]["Fatima El Amrani"]["id"])


async def pinned(services, demo):
    async with services.overleggen._uow() as uow:
        return await uow.mail.get_key(demo["household"]["id"], demo["by_name"]["Fatima El Amrani"]["id"])


async def test_an_offered_key_waits_for_its_owner_who_pins_it_on_her_page(
    client, services, demo, lmtp, keys, answer, capsys
):
    assert (await lmtp(FATIMA, [GROUP], autocrypt(keys["old"]) + answer))[-1][0] == 250
    offered = await candidate(services, demo)
    assert offered is not None and offered.fingerprint == keys["old"].fingerprint
    assert await pinned(services, demo) is None  # never pinned by itself
    await sign_in(client, capsys, FATIMA)
    page = f"/huishoudens/{demo['household']['id']}/gegevens"
    text = await (await client.get(page)).text()
    assert "Uw e-mailprogramma bood een nieuwe sleutel aan." in text and keys["old"].fingerprint[:4] in text
    data = {"csrf": await csrf_of(client, page), "keuze": "gebruiken"}
    resp = await client.post(f"{page}/aangeboden-sleutel", data=data, allow_redirects=False)
    assert resp.status == 303
    assert (await pinned(services, demo)).fingerprint == keys["old"].fingerprint
    assert "bood een nieuwe sleutel aan" not in await (await client.get(page)).text()


async def test_an_offer_in_someone_elses_name_or_unsigned_over_a_pinned_key_is_not_kept(
    client, services, demo, lmtp, keys, answer
):
    assert (await lmtp(FATIMA, [GROUP], autocrypt(keys["old"], addr="iemand@example.org") + answer))[-1][0] == 250
    assert await candidate(services, demo) is None
    fatima = demo["by_name"]["Fatima El Amrani"]
    resp = await client.put(
        f"/api/households/{demo['household']['id']}/betrokkenen/{fatima['id']}/key",
        json={"armored": keys["old"].armored_public},
        headers={"Authorization": f"Bearer {fatima['token']}"},
    )
    assert resp.status == 200
    assert (await lmtp(FATIMA, [GROUP], autocrypt(keys["new"]) + answer))[-1][0] == 250  # not signed by her key
    assert await candidate(services, demo) is None


async def test_a_new_key_announced_under_the_pinned_one_is_offered(client, services, demo, lmtp, keys, answer):
    fatima = demo["by_name"]["Fatima El Amrani"]
    resp = await client.put(
        f"/api/households/{demo['household']['id']}/betrokkenen/{fatima['id']}/key",
        json={"armored": keys["old"].armored_public},
        headers={"Authorization": f"Bearer {fatima['token']}"},
    )
    assert resp.status == 200
    entity = calendar_entity(answer)
    signature = keys["old"].gpg("--armor", "--detach-sign", "--digest-algo", "SHA256", input=entity).stdout
    assert (await lmtp(FATIMA, [GROUP], autocrypt(keys["new"]) + signed_message(entity, signature)))[-1][0] == 250
    offered = await candidate(services, demo)
    assert offered is not None and offered.fingerprint == keys["new"].fingerprint
    issued = Principal(fatima["id"], demo["household"]["id"], issued_by=demo["regisseur"]["id"])
    with pytest.raises(Forbidden):  # nobody confirms a key for someone else
        await services.key_offers.accept(issued, demo["household"]["id"])
    await services.key_offers.decline(Principal(fatima["id"], demo["household"]["id"]), demo["household"]["id"])
    assert await candidate(services, demo) is None
    assert (await pinned(services, demo)).fingerprint == keys["old"].fingerprint
