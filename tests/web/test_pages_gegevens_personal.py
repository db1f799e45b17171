"""Mijn gegevens speaks for the person only: a credential that does not (a token a regisseur issued for them)
may read the page but neither pins or removes their key nor changes their mail choice, phone or days; the
regisseur keeps her own right to set another betrokkene's key."""

from __future__ import annotations

import dataclasses

import pytest

from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.domain.betrokkene import MailChoice
from eenplan.domain.errors import Forbidden
from eenplan_crypto.testing import create_keys


@pytest.fixture
def settings(settings: Settings, server_gnupg) -> Settings:
    """A short server keyring (keys are pinned through it)."""
    return dataclasses.replace(settings, second_factor="off", gnupg_home=str(server_gnupg))


@pytest.fixture(scope="module")
def keys():
    """Fatima's own key pair."""
    made = create_keys({"fatima": ("good", "Fatima <fatima@example.org>")})
    yield made
    for key in made.values():
        key.cleanup()


def _people(demo) -> tuple[str, str, Principal, Principal, Principal]:
    hid = demo["household"]["id"]
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    sanne = demo["regisseur"]["id"]
    own = Principal(fatima, hid)
    issued = Principal(fatima, hid, issued_by=sanne)
    regisseur = Principal(sanne, hid, second_factor=True)
    return hid, fatima, own, issued, regisseur


async def test_an_issued_token_cannot_pin_or_remove_the_persons_key(services, demo, keys):
    hid, fatima, own, issued, _ = _people(demo)
    armored = keys["fatima"].armored_public
    with pytest.raises(Forbidden):
        await services.my_details.put_key(issued, hid, armored)
    assert (await services.my_details.view(own, hid)).key is None
    await services.my_details.put_key(own, hid, armored)
    with pytest.raises(Forbidden):
        await services.my_details.remove_key(issued, hid)
    assert (await services.my_details.view(own, hid)).key is not None
    with pytest.raises(Forbidden):  # the same rule through the API's use case
        await services.mailgroup.delete_key(issued, hid, fatima)
    assert (await services.my_details.view(issued, hid)).key is not None  # reading stays allowed


async def test_an_issued_token_cannot_change_mail_choice_or_contact(services, demo):
    hid, _, own, issued, _ = _people(demo)
    before = (await services.my_details.view(own, hid)).me
    with pytest.raises(Forbidden):
        await services.my_details.choose_mail(issued, hid, "meldingen")
    with pytest.raises(Forbidden):
        await services.my_details.change_contact(issued, hid, "06 12345678", ["ma", "di"])
    after = (await services.my_details.view(own, hid)).me
    assert (after.mail_choice, after.phone, after.reachable_days) == (
        before.mail_choice,
        before.phone,
        before.reachable_days,
    )
    changed = await services.my_details.choose_mail(own, hid, "meldingen")
    assert changed.mail_choice is MailChoice.MELDINGEN
    assert (await services.my_details.change_contact(own, hid, "06 12345678", ["ma"])).phone == "06 12345678"


async def test_the_regisseur_still_sets_another_betrokkenes_key(services, demo, keys):
    hid, fatima, own, _, regisseur = _people(demo)
    await services.mailgroup.put_key(regisseur, hid, fatima, keys["fatima"].armored_public)
    assert (await services.my_details.view(own, hid)).key is not None
    await services.mailgroup.delete_key(regisseur, hid, fatima)
    assert (await services.my_details.view(own, hid)).key is None
