"""A stranger's small mail must not tie up the receiver's gpg (attacker review): mail to an address of no
household never reaches gpg, a message with more session-key packets than any real mail needs is refused
before gpg runs, and hidden-recipient packets (--throw-keyids) are tried with the household's own
encryption key only — never with every secret key in the home — while a real hidden-recipient post is read."""

from __future__ import annotations

import dataclasses
from typing import Any

import gnupg
import pytest
from support.mail_fixtures import MAIL_DOMAIN

from eenplan.bootstrap import utc_now
from eenplan.config import Settings
from eenplan.services.households import NewHousehold, RegisseurDetails
from eenplan_crypto.envelopes import armor, dearmor, split
from eenplan_crypto.errors import VerificationFailed
from eenplan_crypto.opening import MAX_SESSION_KEYS, MailOpener

from . import test_journaal as journaal
from .test_journaal import FATIMA, GROUP, encrypted_mail, entity, stored

keys = journaal.keys  # Fatima's, Khadija's and a stranger's key
household_key = journaal.household_key  # their keys pinned; the household's key known to their clients

HIDDEN = "0" * 16


@pytest.fixture
def settings(mail_settings) -> Settings:
    return dataclasses.replace(mail_settings, second_factor="off")


@pytest.fixture
def clock():
    return utc_now


@pytest.fixture
def decrypted(monkeypatch) -> list[bytes]:
    """Every message the server hands to gpg to decrypt (the one spot where gpg tries secret keys)."""
    seen: list[bytes] = []
    real = gnupg.GPG.decrypt

    def spy(self: gnupg.GPG, message: Any, **kwargs: Any) -> Any:
        seen.append(bytes(message))
        return real(self, message, **kwargs)

    monkeypatch.setattr(gnupg.GPG, "decrypt", spy)
    return seen


async def other_households(services, n: int) -> None:
    """A region's receiver: the home holds the secret keys of many households."""
    for i in range(n):
        other, _ = await services.households.open(
            NewHousehold(f"ANDER-{i:03d}", f"Huishouden {i}", "Utrecht"),
            RegisseurDetails(
                name="Piet Regisseur", email=f"piet{i}@elders.example.org", organisation="Team", phone=None
            ),
        )
        await services.mailgroup.signer(other.code)


def hidden_to(key, recipients: list[str], data: bytes) -> bytes:
    """Signed and encrypted by `key` to `recipients`, every recipient hidden (key id zero)."""
    args = ["--armor", "--trust-model", "always", "--throw-keyids", "--sign", "--encrypt"]
    for fpr in recipients:
        args += ["--recipient", fpr]
    proc = key.gpg(*args, input=data)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def key_ids(armored: bytes) -> list[str]:
    """The key id each session-key packet of a message names, in order."""
    return [p.key_id for p in split(dearmor(armored))[0]]


def padded(armored: bytes, n: int) -> bytes:
    """The message with its first hidden packet repeated until it holds `n` session-key packets."""
    packets, data = split(dearmor(armored))
    raws = [p.raw for p in packets]
    return armor(b"".join(raws + [raws[0]] * (n - len(raws))) + data)


def encryption_subkey(key, fpr: str) -> str:
    listing = key.gpg("--with-colons", "--fixed-list-mode", "--with-subkey-fingerprint", "--list-keys", fpr)
    lines = listing.stdout.decode().splitlines()
    subs = [i for i, line in enumerate(lines) if line.startswith("sub:") and "e" in line.split(":")[11]]
    return next(line.split(":")[9] for line in lines[subs[0] + 1 :] if line.startswith("fpr:"))[-16:]


async def test_a_post_with_hidden_recipients_is_read_with_the_households_key_alone(
    services, demo, lmtp, keys, household_key, decrypted
):
    await other_households(services, 3)
    fatima = keys["fatima"]
    for other in ("khadija", "stranger"):  # her client knows the others' keys
        fatima.gpg("--import", input=keys[other].armored_public.encode())
    recipients = [fatima.fingerprint, keys["khadija"].fingerprint, keys["stranger"].fingerprint, household_key]
    message = hidden_to(fatima, recipients, entity("Verborgen ontvangers"))
    assert key_ids(message) == [HIDDEN] * 4

    replies = await lmtp(FATIMA, [GROUP], encrypted_mail(FATIMA, GROUP, message, "<hidden-1@example.org>"))
    assert replies[-1][0] == 250, replies
    assert (await stored(services))[0] == 1
    (given,) = decrypted  # gpg was asked once, every packet naming only the household's encryption subkey
    assert key_ids(given) == [encryption_subkey(fatima, household_key)] * 4


async def test_too_many_session_key_packets_are_refused_before_gpg_runs(
    services, demo, lmtp, keys, household_key, decrypted
):
    await other_households(services, 3)
    message = padded(hidden_to(keys["fatima"], [household_key], entity("Vijftig")), 50)
    assert len(key_ids(message)) == 50 > MAX_SESSION_KEYS

    replies = await lmtp(FATIMA, [GROUP], encrypted_mail(FATIMA, GROUP, message, "<fifty@example.org>"))
    assert replies[-1][0] == 550
    assert decrypted == [] and await stored(services) == (0, 0)


async def test_mail_to_an_address_of_no_household_never_reaches_gpg(
    services, demo, lmtp, keys, household_key, decrypted
):
    unknown = f"plan-zzzz@{MAIL_DOMAIN}"
    stranger = keys["stranger"]
    message = padded(hidden_to(stranger, [household_key], entity("Onbekend")), 20)
    replies = await lmtp("iemand@elders.example", [unknown], encrypted_mail("iemand@elders.example", unknown, message))
    group_replies = await lmtp(FATIMA, [GROUP], encrypted_mail(FATIMA, GROUP, b"not pgp", "<x@example.org>"))
    assert replies[-1] == group_replies[-1]  # the same 550 as a mail nobody here can read: no oracle
    assert replies[-1][0] == 550
    assert decrypted == [] and await stored(services) == (0, 0)


async def test_a_decryption_that_runs_too_long_is_stopped_and_refused(services, demo, keys, household_key):
    keyring = services.inbound._opener._keyring
    message = hidden_to(keys["fatima"], [household_key], entity("Te traag"))
    assert (await MailOpener(keyring).decrypt(message, [household_key]))[0]  # readable in time
    with pytest.raises(VerificationFailed):
        await MailOpener(keyring, decrypt_seconds=0).decrypt(message, [household_key])
