"""Inbound mail must be encrypted to the key of the household whose address it reached (issue 14): the server's
keyring holds every household's key, so a mail encrypted only to household B's key, sent to household A's
address, is refused exactly like a mail nobody here can read (the same 550 line: no oracle) — and a key offered
on a member's journaal post becomes a candidate under the rule of answers."""

from __future__ import annotations

import base64
import dataclasses

import pytest
from support.mail_helpers import drain

from eenplan.bootstrap import utc_now
from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.services.households import NewHousehold, RegisseurDetails
from eenplan_crypto.testing import create_keys

from .test_journaal import FATIMA, GROUP, encrypted_mail, entity, seal, stored

SECRET = "Morgen om tien uur bij de huisarts."


@pytest.fixture
def settings(mail_settings) -> Settings:
    return dataclasses.replace(mail_settings, second_factor="off")


@pytest.fixture
def clock():
    return utc_now


@pytest.fixture(scope="module")
def keys():
    made = create_keys(
        {
            "fatima": ("good", f"Fatima <{FATIMA}>"),
            "fatima_new": ("good", f"Fatima <{FATIMA}>"),
            "nobody": ("good", "Niemand <niemand@elders.example>"),
        }
    )
    yield made
    for key in made.values():
        key.cleanup()


@pytest.fixture
async def households(services, demo, keys) -> tuple[str, str]:
    """(the demo household's key, another household's key), both known to Fatima's client; her key pinned."""
    hid, fatima = demo["household"]["id"], demo["by_name"]["Fatima El Amrani"]
    sanne = Principal(demo["regisseur"]["id"], hid, second_factor=True)
    await services.mailgroup.put_key(sanne, hid, fatima["id"], keys["fatima"].armored_public)
    other, reg = await services.households.open(
        NewHousehold("ANDER-002", "Ander huishouden", "Utrecht"),
        RegisseurDetails(name="Piet Regisseur", email="piet@elders.example.org", organisation="Team", phone=None),
    )
    ours = await services.mailgroup.signing_key(sanne, hid)
    theirs = await services.mailgroup.signing_key(Principal(reg.id, other.id), other.id)
    for key in (ours, theirs):
        keys["fatima"].gpg("--import", input=key["armored"].encode())
    return ours["fingerprint"], theirs["fingerprint"]


async def test_a_post_encrypted_to_another_households_key_is_refused_like_unreadable_mail(
    services, demo, lmtp, smtp_peer, keys, households
):
    ours, theirs = households
    post = entity(SECRET)
    to_other = encrypted_mail(FATIMA, GROUP, seal(keys["fatima"], theirs, post), "<other-1@example.org>")
    keys["fatima"].gpg("--import", input=keys["nobody"].armored_public.encode())
    unreadable = encrypted_mail(FATIMA, GROUP, seal(keys["fatima"], keys["nobody"].fingerprint, post), "<x@e.org>")
    refused = (await lmtp(FATIMA, [GROUP], to_other))[-1]
    assert refused[0] == 550
    assert refused == (await lmtp(FATIMA, [GROUP], unreadable))[-1]  # the same line: nothing tells them apart
    assert await stored(services) == (0, 0)

    both = encrypted_mail(FATIMA, GROUP, seal_to(keys["fatima"], [theirs, ours], post), "<both-1@example.org>")
    assert (await lmtp(FATIMA, [GROUP], both))[-1][0] == 250  # to this household's key too: taken
    mine = encrypted_mail(FATIMA, GROUP, seal(keys["fatima"], ours, post), "<ours-1@example.org>")
    assert (await lmtp(FATIMA, [GROUP], mine))[-1][0] == 250
    assert (await stored(services))[0] == 2
    await drain(services.outbox)


def seal_to(key, fprs: list[str], data: bytes) -> bytes:
    args = ["--armor", "--trust-model", "always", "--sign", "--encrypt"]
    for fpr in fprs:
        args += ["--recipient", fpr]
    proc = key.gpg(*args, input=data)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def with_autocrypt(raw: str, key, addr: str = FATIMA) -> str:
    data = base64.b64encode(key.gpg("--export", key.fingerprint).stdout).decode()
    folded = "\r\n ".join(data[i : i + 76] for i in range(0, len(data), 76))
    return f"Autocrypt: addr={addr}; prefer-encrypt=mutual; keydata=\r\n {folded}\r\n" + raw


async def candidate(services, demo):
    async with services.plan._uow() as uow:
        return await uow.inbound.candidate(demo["household"]["id"], demo["by_name"]["Fatima El Amrani"]["id"])


async def test_a_key_offered_on_a_signed_journaal_post_becomes_a_candidate_never_pinned(
    services, demo, lmtp, smtp_peer, keys, households
):
    ours, _ = households
    post = seal(keys["fatima"], ours, entity(SECRET))
    raw = with_autocrypt(encrypted_mail(FATIMA, GROUP, post, "<offer-1@example.org>"), keys["fatima_new"])
    assert (await lmtp(FATIMA, [GROUP], raw))[-1][0] == 250
    offered = await candidate(services, demo)
    assert offered is not None and offered.fingerprint == keys["fatima_new"].fingerprint
    async with services.plan._uow() as uow:  # still her old key until she confirms on her page
        pinned = await uow.mail.get_key(demo["household"]["id"], demo["by_name"]["Fatima El Amrani"]["id"])
    assert pinned is not None and pinned.fingerprint == keys["fatima"].fingerprint
    await drain(services.outbox)


async def test_a_key_offered_on_a_post_not_signed_by_the_pinned_key_is_not_kept(
    services, demo, lmtp, smtp_peer, keys, households
):
    ours, _ = households
    unsigned = seal(keys["fatima"], ours, entity(SECRET), sign=False)  # refused, and so is its offer
    raw = with_autocrypt(encrypted_mail(FATIMA, GROUP, unsigned, "<offer-2@example.org>"), keys["fatima_new"])
    assert (await lmtp(FATIMA, [GROUP], raw))[-1][0] == 550
    assert await candidate(services, demo) is None
