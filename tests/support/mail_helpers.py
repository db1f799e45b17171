"""Helpers for the mailgroup tests: the SMTP peer's handler, PDF text, draining the worker, decrypting."""

from __future__ import annotations

import asyncio
import email
import email.policy
import io

from .smtp import Peer, free_port  # noqa: F401  (re-exported for the mail tests)


def pdf_text(data: bytes) -> str:
    """The text of a PDF, extracted with pypdf."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


async def drain(worker, rounds: int = 20) -> list:
    """Run worker passes until one claims nothing; returns every pass's stats."""
    out = []
    for _ in range(rounds):
        stats = await worker.run_once()
        out.append(stats)
        if not stats.claimed:
            break
        await asyncio.sleep(0)
    return out


def bearer(person: dict) -> dict[str, str]:
    """Authorization header for a demo betrokkene."""
    return {"Authorization": f"Bearer {person['token']}"}


async def upload_keys(client, demo: dict, person_keys, names) -> None:
    """Each named demo betrokkene uploads their own key; asserts 200."""
    hh = demo["household"]["id"]
    for name in names:
        person = demo["by_name"][name]
        resp = await client.put(
            f"/api/households/{hh}/betrokkenen/{person['id']}/key",
            json={"armored": person_keys[name].armored_public},
            headers=bearer(person),
        )
        assert resp.status == 200, await resp.text()


async def trust_signer(client, demo: dict, person_keys, names) -> str:
    """Import the household's public signing key into each person's home; returns its fingerprint."""
    hh = demo["household"]["id"]
    resp = await client.get(f"/api/households/{hh}/mail/signing-key", headers=bearer(demo["regisseur"]))
    assert resp.status == 200
    data = await resp.json()
    for name in names:
        person_keys[name].gpg("--import", input=data["armored"].encode())
    return data["fingerprint"]


def open_encrypted(msg, key) -> tuple[email.message.EmailMessage, list[tuple[str, str]]]:
    """Check RFC 3156 structure, decrypt with the gpg CLI in the person's own home; (inner, status)."""
    from eenplan_mail.pgpmime import parse_pgpmime

    armored = parse_pgpmime(msg.as_bytes())
    plaintext, status = key.decrypt(armored)
    inner = email.message_from_bytes(plaintext, policy=email.policy.default) if plaintext else None
    return inner, status


def validsig(status) -> str | None:
    """The primary-key fingerprint of a VALIDSIG status line, if any."""
    for keyword, value in status:
        if keyword == "VALIDSIG":
            return value.split()[-1]
    return None


def inner_text_and_pdf(inner) -> tuple[str, bytes | None]:
    """The text part and the PDF attachment of a decrypted plan mail."""
    text, pdf = "", None
    for part in inner.walk():
        if part.get_content_type() == "text/plain":
            text += part.get_content()
        elif part.get_content_type() == "application/pdf":
            pdf = part.get_payload(decode=True)
    return text, pdf
