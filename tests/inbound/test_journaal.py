"""Members write to the group (issue 14 item 6, Schleuder's model): a member's mail to a group address,
encrypted to the household's key and signed by their pinned key, reaches every other member of the group —
encrypted to those with a key, as a content-free notice to the others — and is kept in the journaal. Anything
else is refused in the LMTP dialogue with a Dutch explanation, and nothing of it is kept or sent. Through the
real LMTP receiver, the real outbox and a real SMTP peer; the recipients decrypt with their own gpg."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
import sqlalchemy as sa
from support.mail_fixtures import MAIL_DOMAIN
from support.mail_helpers import bearer, drain, open_encrypted, validsig

from eenplan.bootstrap import utc_now
from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.domain.mailgroup import OutboxKind
from eenplan.storage.tables_access import AccessLogRow
from eenplan.storage.tables_auth import ContactChangeRow
from eenplan.storage.tables_journaal import JournaalMessageRow
from eenplan.storage.tables_mail import OutboxRow
from eenplan_crypto.testing import create_keys

GROUP = f"plan-demo-001@{MAIL_DOMAIN}"
FATIMA, KHADIJA, YOUSSEF = "fatima@example.org", "khadija@example.org", "youssef@example.org"
SECRET_TEXT = "Youssef heeft morgen een gesprek op school over zijn rapport."
STRANGER = "iemand@elders.example"
SECURE_HINT = "Versleutel uw bericht met de sleutel van het huishouden"


@pytest.fixture
def settings(mail_settings) -> Settings:
    return dataclasses.replace(mail_settings, second_factor="off")


@pytest.fixture
def clock():
    return utc_now  # the worker's retries run in real time


@pytest.fixture(scope="module")
def keys():
    made = create_keys(
        {
            "fatima": ("good", f"Fatima <{FATIMA}>"),
            "khadija": ("good", f"Khadija <{KHADIJA}>"),
            "stranger": ("good", "Iemand <iemand@elders.example>"),
        }
    )
    yield made
    for key in made.values():
        key.cleanup()


@pytest.fixture
async def household_key(client, demo, keys) -> str:
    """Fatima's and Khadija's keys pinned; the household's key known to every sender's client."""
    hid = demo["household"]["id"]
    for name, key in (("Fatima El Amrani", keys["fatima"]), ("Khadija El Amrani", keys["khadija"])):
        person = demo["by_name"][name]
        resp = await client.put(
            f"/api/households/{hid}/betrokkenen/{person['id']}/key",
            json={"armored": key.armored_public},
            headers=bearer(person),
        )
        assert resp.status == 200, await resp.text()
    resp = await client.get(f"/api/households/{hid}/mail/signing-key", headers=bearer(demo["regisseur"]))
    household = await resp.json()
    for key in keys.values():
        key.gpg("--import", input=household["armored"].encode())
    return household["fingerprint"]


def entity(text: str, subject: str | None = "Afspraak school", *, attachment: bool = False) -> bytes:
    """The inner MIME entity as Thunderbird writes it: protected headers (the real Subject) inside."""
    b = "------------inner9Zq"
    head = f'Content-Type: multipart/mixed; protected-headers="v1"; boundary="{b}"\r\n'
    if subject:
        head += f"Subject: {subject}\r\n"
    body = f"--{b}\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n"
    if attachment:
        body += (
            f"--{b}\r\nContent-Type: application/pdf; name=rapport.pdf\r\nContent-Disposition: attachment;"
            " filename=rapport.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
        )
    return (head + "\r\n" + body + f"--{b}--\r\n").encode()


def encrypted_mail(sender: str, to: str, armored: bytes, mid: str = "<post-1@example.org>") -> str:
    b = "------------enc5Rt2"
    return (
        f"From: Iemand <{sender}>\r\nTo: {to}\r\nSubject: ...\r\nMessage-ID: {mid}\r\n"
        f'MIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="{b}"'
        f"\r\n\r\n--{b}\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n"
        f'--{b}\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\n\r\n'
        + armored.decode()
        + f"\r\n--{b}--\r\n"
    )


def seal(key, household_fpr: str, data: bytes, *, sign: bool = True) -> bytes:
    args = ["--armor", "--trust-model", "always", "--encrypt", "--recipient", household_fpr]
    proc = key.gpg(*(["--sign", *args] if sign else args), input=data)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


async def stored(services) -> tuple[int, int]:
    """(journaal messages, journaal outbox rows) in the database."""
    async with services.plan._uow() as uow:
        messages = (await uow.session.execute(sa.select(sa.func.count()).select_from(JournaalMessageRow))).scalar_one()
        rows = await uow.session.execute(
            sa.select(sa.func.count()).select_from(OutboxRow).where(OutboxRow.kind == OutboxKind.JOURNAAL.value)
        )
        return messages, rows.scalar_one()


async def mail_disclosures(services, hid: str) -> list[tuple[str | None, str, str]]:
    async with services.plan._uow() as uow:
        rows = await uow.session.execute(
            sa.select(AccessLogRow.actor_id, AccessLogRow.event, AccessLogRow.detail).where(
                AccessLogRow.household_id == hid, AccessLogRow.channel == "mail"
            )
        )
        return [tuple(r) for r in rows if str(r[2]).startswith("journaal")]


async def test_a_members_signed_encrypted_post_reaches_the_others_encrypted_and_as_notices(
    services, demo, client, lmtp, smtp_peer, keys, household_key
):
    _, peer = smtp_peer
    hid, people = demo["household"]["id"], demo["by_name"]
    await drain(services.outbox)
    peer.messages.clear()
    post = entity(SECRET_TEXT + "\r\nGroet, Fatima", attachment=True)
    replies = await lmtp(FATIMA, [GROUP], encrypted_mail(FATIMA, GROUP, seal(keys["fatima"], household_key, post)))
    assert replies[-1][0] == 250, replies
    assert await stored(services) == (1, 5)  # everyone with e-mail but the author
    await drain(services.outbox)

    assert peer.to(FATIMA) == []  # the author does not get her own message back
    (to_khadija,) = peer.to(KHADIJA)
    assert GROUP in to_khadija["From"]
    assert to_khadija.get_content_type() == "multipart/encrypted"
    assert SECRET_TEXT not in to_khadija.as_string() and "Afspraak school" not in to_khadija["Subject"]
    inner, status = open_encrypted(to_khadija, keys["khadija"])
    assert inner is not None and validsig(status) == household_key
    text = next(p for p in inner.walk() if p.get_content_type() == "text/plain").get_content()
    assert SECRET_TEXT in text and "Fatima El Amrani" in text and "Onderwerp: Afspraak school" in text
    assert "bijlagen" in text and not any(p.get_filename() for p in inner.walk())  # attachments not kept

    (to_youssef,) = peer.to(YOUSSEF)  # no key: a signed notice without content, leading to the journaal
    notice = "".join(p.get_content() for p in to_youssef.walk() if p.get_content_type() == "text/plain")
    assert to_youssef.get_content_type() == "multipart/signed" and f"/huishoudens/{hid}/journaal" in notice
    assert SECRET_TEXT not in notice + to_youssef.as_string() and "Afspraak" not in notice + to_youssef.as_string()

    disclosed = await mail_disclosures(services, hid)
    assert [(actor, event) for actor, event, _ in disclosed] == [(people["Khadija El Amrani"]["id"], "disclose")]
    assert disclosed[0][2].startswith("journaal:")


async def test_a_redelivered_post_is_kept_and_sent_once(services, demo, lmtp, smtp_peer, keys, household_key):
    raw = encrypted_mail(FATIMA, GROUP, seal(keys["fatima"], household_key, entity("Twee keer?")))
    assert (await lmtp(FATIMA, [GROUP], raw))[-1][0] == 250
    assert (await lmtp(FATIMA, [GROUP], raw))[-1][0] == 250
    assert await stored(services) == (1, 5)


def plaintext_post(sender: str) -> str:
    return (
        f"From: Fatima <{sender}>\r\nTo: {GROUP}\r\nSubject: Vraag\r\nMessage-ID: <plain-1@example.org>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{SECRET_TEXT}\r\n"
    )


async def test_insecure_or_foreign_posts_are_refused_in_dutch_and_nothing_is_kept_or_sent(
    services, demo, lmtp, smtp_peer, keys, household_key
):
    _, peer = smtp_peer
    await drain(services.outbox)
    peer.messages.clear()
    post, fatima, khadija = entity(SECRET_TEXT), keys["fatima"], keys["khadija"]
    signature = fatima.gpg("--armor", "--detach-sign", input=post).stdout.decode()
    b = "------------sig4Wq"
    signed_only = (
        f"From: Fatima <{FATIMA}>\r\nTo: {GROUP}\r\nSubject: Vraag\r\nMessage-ID: <signed-1@example.org>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature";'
        f' boundary="{b}"\r\n\r\n--{b}\r\n{post.decode()}\r\n--{b}\r\n'
        f"Content-Type: application/pgp-signature\r\n\r\n{signature}\r\n--{b}--\r\n"
    )
    cases = {
        "plaintext": (FATIMA, plaintext_post(FATIMA)),
        "signed, not encrypted": (FATIMA, signed_only),
        "encrypted, unsigned": (FATIMA, encrypted_mail(FATIMA, GROUP, seal(fatima, household_key, post, sign=False))),
        "signed by another member's key": (FATIMA, encrypted_mail(FATIMA, GROUP, seal(khadija, household_key, post))),
        "not a member": (STRANGER, encrypted_mail(STRANGER, GROUP, seal(keys["stranger"], household_key, post))),
    }
    for name, (sender, raw) in cases.items():
        code, text = (await lmtp(sender, [GROUP], raw))[-1]
        assert code == 550 and SECURE_HINT in text, name
        assert "neemt alleen antwoorden op uitnodigingen aan" in text, name
    assert await stored(services) == (0, 0)
    await drain(services.outbox)
    assert peer.messages == []


async def test_an_unconfirmed_address_cannot_post(services, demo, lmtp, smtp_peer, keys, household_key):
    """Khadija's address was typed in by the regisseur and she never confirmed it: her signed post is refused."""
    khadija, now = demo["by_name"]["Khadija El Amrani"], utc_now()
    async with services.plan._uow(write=True) as uow:
        uow.session.add(
            ContactChangeRow(
                token_hash="0" * 64,
                betrokkene_id=khadija["id"],
                household_id=demo["household"]["id"],
                field="email",
                step="confirm",
                new_value=KHADIJA,
                requested_by=demo["regisseur"]["id"],
                created_at=now,
                expires_at=now + timedelta(days=7),
            )
        )
        await uow.commit()
    raw = encrypted_mail(KHADIJA, GROUP, seal(keys["khadija"], household_key, entity(SECRET_TEXT)))
    code, text = (await lmtp(KHADIJA, [GROUP], raw))[-1]
    assert code == 550 and SECURE_HINT in text
    assert await stored(services) == (0, 0)


async def test_a_named_group_reaches_only_its_members(services, demo, client, lmtp, smtp_peer, keys, household_key):
    _, peer = smtp_peer
    hid, people = demo["household"]["id"], demo["by_name"]
    members = [people["Fatima El Amrani"]["id"], people["Khadija El Amrani"]["id"]]
    resp = await client.post(
        f"/api/households/{hid}/mail/groups",
        json={"slug": "familie", "name": "Familie", "members": members},
        headers=bearer(demo["regisseur"]),
    )
    assert resp.status in (200, 201), await resp.text()
    familie = f"plan-demo-001-familie@{MAIL_DOMAIN}"
    await drain(services.outbox)
    peer.messages.clear()
    raw = encrypted_mail(FATIMA, familie, seal(keys["fatima"], household_key, entity("Alleen voor de familie.")))
    assert (await lmtp(FATIMA, [familie], raw))[-1][0] == 250
    await drain(services.outbox)
    assert {rcpt for rcpt, _ in peer.messages} == {KHADIJA}
    assert familie in peer.to(KHADIJA)[0]["From"]  # a reply goes back to the family, not to everyone
    # a content-free notice does not say in the clear which group wrote: it comes from the household's address
    khadija = people["Khadija El Amrani"]
    resp = await client.patch(
        f"/api/households/{hid}/betrokkenen/{khadija['id']}", json={"mail_choice": "meldingen"}, headers=bearer(khadija)
    )
    assert resp.status == 200, await resp.text()
    peer.messages.clear()
    raw = encrypted_mail(
        FATIMA, familie, seal(keys["fatima"], household_key, entity("Nog een bericht.")), "<post-2@example.org>"
    )
    assert (await lmtp(FATIMA, [familie], raw))[-1][0] == 250
    await drain(services.outbox)
    notice = peer.to(KHADIJA)[0]
    assert notice.get_content_type() == "multipart/signed" and "familie" not in str(notice["From"])


async def test_a_post_signed_then_encrypted_separately_is_taken_too(services, lmtp, smtp_peer, keys, household_key):
    """RFC 3156 §6.1: a multipart/signed entity (detached signature), then encrypted without a signature."""
    post = entity("Apart ondertekend, dan versleuteld.")
    signature = keys["fatima"].gpg("--armor", "--detach-sign", input=post).stdout.decode()
    b = "------------sig8Uu"
    signed = (
        'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature";'
        f' boundary="{b}"\r\n\r\n--{b}\r\n{post.decode()}\r\n--{b}\r\n'
        f"Content-Type: application/pgp-signature\r\n\r\n{signature}\r\n--{b}--\r\n"
    ).encode()
    raw = encrypted_mail(FATIMA, GROUP, seal(keys["fatima"], household_key, signed, sign=False), "<sep-1@example.org>")
    assert (await lmtp(FATIMA, [GROUP], raw))[-1][0] == 250
    assert await stored(services) == (1, 5)
    tampered = signed.replace(b"Apart ondertekend", b"Anders geschreven")
    raw = encrypted_mail(FATIMA, GROUP, seal(keys["fatima"], household_key, tampered, sign=False), "<sep-2@x.org>")
    assert (await lmtp(FATIMA, [GROUP], raw))[-1][0] == 550
    assert await stored(services) == (1, 5)


async def test_notices_only_by_choice_and_nothing_to_someone_who_left_before_it_was_sent(
    services, demo, lmtp, smtp_peer, keys, household_key
):
    """Khadija chose notices only: her key does not bring the text. Youssef is removed before the worker runs:
    he gets nothing. Neither is logged as a disclosure."""
    _, peer = smtp_peer
    hid, people = demo["household"]["id"], demo["by_name"]
    khadija, youssef = people["Khadija El Amrani"]["id"], people["Youssef El Amrani"]["id"]
    await services.my_details.choose_mail(Principal(khadija, hid), hid, "meldingen")
    await drain(services.outbox)
    peer.messages.clear()
    raw = encrypted_mail(FATIMA, GROUP, seal(keys["fatima"], household_key, entity(SECRET_TEXT)))
    assert (await lmtp(FATIMA, [GROUP], raw))[-1][0] == 250
    await services.betrokkenen.remove(Principal(demo["regisseur"]["id"], hid, second_factor=True), hid, youssef)
    await drain(services.outbox)
    (to_khadija,) = peer.to(KHADIJA)
    assert to_khadija.get_content_type() == "multipart/signed" and SECRET_TEXT not in to_khadija.as_string()
    assert all(SECRET_TEXT not in m.as_string() for m in peer.to(YOUSSEF))
    assert not [m for m in peer.to(YOUSSEF) if m["Subject"] == "Nieuw bericht in het journaal"]
    assert await mail_disclosures(services, hid) == []
