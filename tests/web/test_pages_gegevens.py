"""Mijn gegevens: one's own phone and days (nothing else of the record), one's own OpenPGP key pasted or as a
file (armored or binary), the mail choice; every form CSRF-checked, PRG, a refused form shown again with 422."""

from __future__ import annotations

import dataclasses
import re

import aiohttp
import pytest
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.domain.betrokkene import MailChoice
from eenplan.services.households import NewHousehold, RegisseurDetails
from eenplan_crypto.testing import create_keys

FATIMA = "fatima@example.org"
KHADIJA = "khadija@example.org"


@pytest.fixture
def settings(settings: Settings, server_gnupg) -> Settings:
    """A short server keyring (keys are pinned through it); no second factor: these tests are about the page."""
    return dataclasses.replace(settings, second_factor="off", gnupg_home=str(server_gnupg))


@pytest.fixture(scope="module")
def keys():
    """Fatima's own key pair and a secret key someone might paste by mistake, each in its own home."""
    made = create_keys({"fatima": ("good", "Fatima <fatima@example.org>")})
    yield made
    for key in made.values():
        key.cleanup()


def _base(demo) -> str:
    return f"/huishoudens/{demo['household']['id']}/gegevens"


def _me(demo, name: str) -> Principal:
    return Principal(demo["by_name"][name]["id"], demo["household"]["id"])


async def _record(services, demo, name: str):
    return await services.betrokkenen.get(_me(demo, name), demo["household"]["id"], demo["by_name"][name]["id"])


def _grouped(fingerprint: str) -> str:
    return " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))


async def test_the_page_shows_only_ones_own_record_and_offers_no_name_or_role_field(client, demo, capsys):
    await sign_in(client, capsys, KHADIJA)
    resp = await client.get(_base(demo))
    text = await resp.text()
    assert resp.status == 200
    assert "Khadija El Amrani" in text and "Fatima El Amrani" not in text
    assert 'name="name"' not in text and 'name="role"' not in text and 'name="kind"' not in text
    assert 'name="birth_date"' not in text
    assert "<legend" in text and 'id="dag-zo"' in text  # the days as checkboxes in a fieldset with a legend


async def test_own_phone_and_days_change_and_a_forged_name_or_role_is_ignored(client, services, demo, capsys):
    await sign_in(client, capsys, KHADIJA)
    before = await _record(services, demo, "Khadija El Amrani")
    csrf = await csrf_of(client, _base(demo))
    form = aiohttp.FormData()
    for key, value in (
        ("csrf", csrf),
        ("phone", "+31 6 11112222"),
        ("days", "za"),
        ("days", "ma"),
        ("name", "Regisseur Khadija"),
        ("role", "procesregisseur"),
        ("kind", "professional"),
    ):
        form.add_field(key, value)
    resp = await client.post(_base(demo) + "/contact", data=form, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith(_base(demo) + "?gelukt=contact")
    after = await _record(services, demo, "Khadija El Amrani")
    assert after.phone == "+31 6 11112222" and after.reachable_days == ("ma", "za")
    assert (after.name, after.role, after.kind) == (before.name, before.role, before.kind)
    shown = await (await client.get(resp.headers["Location"])).text()
    assert "Uw telefoonnummer en dagen zijn opgeslagen." in shown
    assert re.search(r'id="dag-za" value="za" checked', shown) and not re.search(
        r'id="dag-di" value="di" checked', shown
    )


async def test_a_bad_phone_number_is_shown_next_to_its_field_and_nothing_is_written(client, services, demo, capsys):
    await sign_in(client, capsys, KHADIJA)
    before = await _record(services, demo, "Khadija El Amrani")
    csrf = await csrf_of(client, _base(demo))
    resp = await client.post(
        _base(demo) + "/contact", data={"csrf": csrf, "phone": "bel me maar", "days": "zo"}, allow_redirects=False
    )
    text = await resp.text()
    assert resp.status == 422
    assert 'id="phone-fout"' in text and 'aria-invalid="true"' in text and "telefoonnummer" in text
    assert 'value="bel me maar"' in text  # what was typed stays in the field
    after = await _record(services, demo, "Khadija El Amrani")
    assert (after.phone, after.reachable_days) == (before.phone, before.reachable_days)


async def test_a_form_without_its_token_changes_nothing(client, services, demo, capsys):
    await sign_in(client, capsys, KHADIJA)
    before = await _record(services, demo, "Khadija El Amrani")
    resp = await client.post(_base(demo) + "/contact", data={"phone": "0612345678"}, allow_redirects=False)
    assert resp.status == 403
    assert (await _record(services, demo, "Khadija El Amrani")).phone == before.phone


async def test_a_pasted_armored_key_is_pinned_and_its_fingerprint_shown_in_groups(client, demo, keys, capsys):
    await sign_in(client, capsys, FATIMA)
    csrf = await csrf_of(client, _base(demo))
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    form.add_field("sleutel", keys["fatima"].armored_public)
    resp = await client.post(_base(demo) + "/sleutel", data=form, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    text = await (await client.get(resp.headers["Location"])).text()
    assert "Uw sleutel is opgeslagen." in text
    assert _grouped(keys["fatima"].fingerprint) in text
    assert re.search(r"geldig tot \w+dag \d{1,2} \w+ \d{4}|geldig, zonder einddatum", text)


async def test_a_binary_key_file_is_pinned_like_an_armored_one(client, services, demo, keys, capsys):
    binary = keys["fatima"].gpg("--export", keys["fatima"].fingerprint).stdout
    assert binary and not binary.startswith(b"-----")
    await sign_in(client, capsys, FATIMA)
    csrf = await csrf_of(client, _base(demo))
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    form.add_field("sleutel", "")
    form.add_field("sleutelbestand", binary, filename="fatima.gpg", content_type="application/octet-stream")
    resp = await client.post(_base(demo) + "/sleutel", data=form, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    text = await (await client.get(resp.headers["Location"])).text()
    assert _grouped(keys["fatima"].fingerprint) in text
    pinned = await services.mailgroup.get_key(
        _me(demo, "Fatima El Amrani"), demo["household"]["id"], demo["by_name"]["Fatima El Amrani"]["id"]
    )
    assert pinned.fingerprint == keys["fatima"].fingerprint


async def test_an_armored_key_file_is_pinned_too(client, demo, keys, capsys):
    await sign_in(client, capsys, FATIMA)
    csrf = await csrf_of(client, _base(demo))
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    form.add_field("sleutelbestand", keys["fatima"].armored_public.encode(), filename="fatima.asc")
    resp = await client.post(_base(demo) + "/sleutel", data=form, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    assert _grouped(keys["fatima"].fingerprint) in await (await client.get(resp.headers["Location"])).text()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (
            "sleutel",
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm9nZWVuc2xldXRlbA==\n-----END PGP PUBLIC KEY BLOCK-----\n",
        ),
        ("sleutel", "mijn sleutel"),
        ("sleutelbestand", b"\x99\x01\x0d" + b"\x00" * 40),
    ],
)
async def test_a_bad_key_is_refused_next_to_its_field_with_422(client, services, demo, capsys, field, value):
    await sign_in(client, capsys, FATIMA)
    csrf = await csrf_of(client, _base(demo))
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    if field == "sleutelbestand":
        form.add_field(field, value, filename="kapot.gpg", content_type="application/octet-stream")
    else:
        form.add_field(field, value)
    resp = await client.post(_base(demo) + "/sleutel", data=form, allow_redirects=False)
    text = await resp.text()
    assert resp.status == 422
    assert f'id="{field}-fout"' in text and "sleutel" in text.lower()
    assert "U heeft nog geen sleutel." in text  # nothing pinned


async def test_a_secret_key_is_refused_with_a_dutch_explanation(client, demo, keys, capsys):
    secret = keys["fatima"].gpg("--armor", "--export-secret-keys", keys["fatima"].fingerprint).stdout.decode()
    assert "PRIVATE KEY BLOCK" in secret
    await sign_in(client, capsys, FATIMA)
    csrf = await csrf_of(client, _base(demo))
    resp = await client.post(_base(demo) + "/sleutel", data={"csrf": csrf, "sleutel": secret}, allow_redirects=False)
    text = await resp.text()
    assert resp.status == 422 and 'id="sleutel-fout"' in text
    assert "Dit is een geheime sleutel. Stuur alleen uw openbare sleutel." in text
    assert "PRIVATE KEY BLOCK" not in text  # a pasted secret key is not shown back


async def test_an_oversized_upload_is_refused_before_it_is_read(client, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    csrf = await csrf_of(client, _base(demo))
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    form.add_field("sleutelbestand", b"\x99" * 200_000, filename="groot.gpg", content_type="application/octet-stream")
    resp = await client.post(_base(demo) + "/sleutel", data=form, allow_redirects=False)
    text = await resp.text()
    assert resp.status == 413 and 'id="sleutelbestand-fout"' in text


async def test_ones_own_key_can_be_removed(client, demo, keys, capsys):
    await sign_in(client, capsys, FATIMA)
    csrf = await csrf_of(client, _base(demo))
    resp = await client.post(
        _base(demo) + "/sleutel", data={"csrf": csrf, "sleutel": keys["fatima"].armored_public}, allow_redirects=False
    )
    assert resp.status == 303
    resp = await client.post(_base(demo) + "/sleutel/verwijderen", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 303
    text = await (await client.get(resp.headers["Location"])).text()
    assert "Uw sleutel is verwijderd." in text and _grouped(keys["fatima"].fingerprint) not in text


async def test_the_mail_choice_is_saved_and_explained_without_a_key(client, services, demo, capsys):
    await sign_in(client, capsys, KHADIJA)
    text = await (await client.get(_base(demo))).text()
    assert "Tot u een sleutel toevoegt, krijgt u alleen een bericht" in text  # no usable key yet
    assert re.search(r'id="keuze-plan" value="plan" checked', text)
    csrf = await csrf_of(client, _base(demo))
    resp = await client.post(
        _base(demo) + "/post", data={"csrf": csrf, "mail_choice": "meldingen"}, allow_redirects=False
    )
    assert resp.status == 303
    assert (await _record(services, demo, "Khadija El Amrani")).mail_choice is MailChoice.MELDINGEN
    text = await (await client.get(resp.headers["Location"])).text()
    assert "Uw keuze is opgeslagen." in text and re.search(r'id="keuze-meldingen" value="meldingen" checked', text)
    bad = await client.post(_base(demo) + "/post", data={"csrf": csrf, "mail_choice": "alles"}, allow_redirects=False)
    assert bad.status == 422 and 'id="mail_choice-fout"' in await bad.text()
    assert (await _record(services, demo, "Khadija El Amrani")).mail_choice is MailChoice.MELDINGEN


async def test_a_household_that_is_not_yours_answers_every_form_like_a_missing_one(client, services, demo, capsys):
    other, _ = await services.households.open(
        NewHousehold("T-4711", "Huishouden Jansen", "Utrecht"),
        RegisseurDetails(name="Piet Regisseur", email="piet@elders.example.org"),
    )
    await sign_in(client, capsys, KHADIJA)
    csrf = await csrf_of(client, _base(demo))
    missing_id = "00000000-0000-4000-8000-000000000000"
    for suffix, data in (
        ("", None),
        ("/contact", {"csrf": csrf, "phone": "0612345678"}),
        ("/sleutel", {"csrf": csrf, "sleutel": "x"}),
        ("/sleutel/verwijderen", {"csrf": csrf}),
        ("/post", {"csrf": csrf, "mail_choice": "meldingen"}),
    ):
        answers = []
        for household in (other.id, missing_id):
            path = f"/huishoudens/{household}/gegevens{suffix}"
            resp = await (client.get(path) if data is None else client.post(path, data=data, allow_redirects=False))
            answers.append((resp.status, await resp.text()))
        assert answers[0] == answers[1] and answers[0][0] == 404, suffix
        assert "Jansen" not in answers[0][1] and "Piet" not in answers[0][1]
