"""A plan change reaches every betrokkene as signed, encrypted RFC 3156 mail with only their view.

Real aiosmtpd peer, real gpg (each person's secret key in their own GNUPGHOME, decrypted
with the gpg command line), real SQLite and PostgreSQL.
"""

from __future__ import annotations

from support.mail_helpers import (
    bearer,
    drain,
    inner_text_and_pdf,
    open_encrypted,
    pdf_text,
    trust_signer,
    upload_keys,
    validsig,
)

from eenplan_crypto.envelopes import dearmor, split
from eenplan_mail.pgpmime import extract_signed_parts

PEOPLE = (
    "Sanne de Vries",
    "Fatima El Amrani",
    "Youssef El Amrani",
    "Khadija El Amrani",
    "Joost Willems",
    "Inge Bakker",
)
MARKER = "GEHEIM-ANALYSE-7731"
ACTION_MARKER = "JOOST-ACTIE-4411"


async def _change(client, demo, marker: str = MARKER) -> int:
    hh = demo["household"]["id"]
    headers = bearer(demo["regisseur"])
    current = await (await client.get(f"/api/households/{hh}/plan", headers=headers)).json()
    doelen = current["sections"]["doelen"]
    doelen[0]["acties"][0]["wat"] = f"Budgetplan opstellen ({ACTION_MARKER})"
    algemeen = current["sections"]["algemeen"]  # everyone's view changes (an unchanged view gets no mail)
    algemeen["coordinatie"] += " Bijgewerkt."
    resp = await client.patch(
        f"/api/households/{hh}/plan",
        headers={**headers, "If-Match": f'"{current["version"]}"'},
        json={
            "analyse": {"analyse": f"Nieuwe analyse {marker}", "gewenst_perspectief": "Rust"},
            "doelen": doelen,
            "algemeen": algemeen,
        },
    )
    assert resp.status == 200, await resp.text()
    return (await resp.json())["version"]


async def _outbox(client, demo, status: str | None = None) -> list[dict]:
    hh = demo["household"]["id"]
    query = f"?status={status}" if status else ""
    resp = await client.get(f"/api/households/{hh}/mail/outbox{query}", headers=bearer(demo["regisseur"]))
    assert resp.status == 200, await resp.text()
    return (await resp.json())["messages"]


async def test_each_betrokkene_gets_their_own_view_encrypted(client, demo, services, smtp_peer, person_keys):
    _, peer = smtp_peer
    await drain(services.outbox)  # the demo's own version: content-free notices (no keys yet)
    peer.messages.clear()
    await upload_keys(client, demo, person_keys, PEOPLE)
    signer = await trust_signer(client, demo, person_keys, PEOPLE)

    seals = []
    real_seal = services.outbox.gateway.seal

    async def counting_seal(body, fprs, signer_fpr):
        seals.append(len(list(fprs)))
        return await real_seal(body, fprs, signer_fpr)

    services.outbox.gateway.seal = counting_seal
    version = await _change(client, demo)
    queued = [m for m in await _outbox(client, demo, "queued") if m["version"] == version]
    assert len(queued) == len(PEOPLE)  # one row per recipient, in the version's transaction
    await drain(services.outbox)

    assert len(peer.messages) == len(PEOPLE) and len(seals) < len(PEOPLE)
    assert sum(seals) == len(PEOPLE)  # each recipient's key is in exactly one encryption
    payloads: dict[str, bytes] = {}
    for name in PEOPLE:
        person = demo["by_name"][name]
        [msg] = peer.to(person["email"])
        assert msg["Subject"] == f"Plan bijgewerkt — versie {version}"
        assert msg["List-Id"] == "<plan-demo-001.eenplan.example>" and msg["Auto-Submitted"] == "auto-generated"
        assert msg["Autocrypt"].startswith("addr=plan-demo-001@eenplan.example;")
        assert msg.get_content_type() == "multipart/encrypted"
        assert msg.get_param("protocol") == "application/pgp-encrypted"
        inner, status = open_encrypted(msg, person_keys[name])
        assert inner is not None, f"{name} could not decrypt"
        assert validsig(status) == signer, f"{name}: not signed by the household key"
        assert any(kw == "DECRYPTION_OKAY" for kw, _ in status)
        text, pdf = inner_text_and_pdf(inner)
        assert f"versie {version}" in text and pdf is not None
        payloads[name] = msg.get_payload()[1].get_payload(decode=True)
        seen = text + pdf_text(pdf)
        if name == "Khadija El Amrani":  # the grandmother: algemeen and her own actions only
            assert MARKER not in seen and ACTION_MARKER not in seen and MARKER.encode() not in msg.as_bytes()
            assert "Samen de post ordenen" in pdf_text(pdf)
        if name in ("Fatima El Amrani", "Sanne de Vries"):
            assert MARKER in pdf_text(pdf)
    # the klant and the regisseur see the same plan: one encryption, and a message each that holds only its
    # reader's own session-key packet (eenplan_crypto.envelopes: so every client reads it)
    fatima, sanne = (split(dearmor(payloads[name])) for name in ("Fatima El Amrani", "Sanne de Vries"))
    assert fatima[1] == sanne[1] and len(fatima[0]) == len(sanne[0]) == 1
    assert fatima[0][0].key_id != sanne[0][0].key_id
    # and a ciphertext for someone else does not open with the grandmother's key
    other, _ = person_keys["Khadija El Amrani"].decrypt(payloads["Fatima El Amrani"])
    assert not other

    ids = {msg["Message-ID"] for name in PEOPLE for msg in peer.to(demo["by_name"][name]["email"])}
    assert len(ids) == len(PEOPLE)
    sent = [m for m in await _outbox(client, demo, "sent") if m["version"] == version]
    assert {m["message_id"] for m in sent} == ids


async def test_no_key_gets_a_signed_content_free_notice(client, demo, services, smtp_peer, person_keys):
    _, peer = smtp_peer
    await drain(services.outbox)
    peer.messages.clear()
    await upload_keys(client, demo, person_keys, ["Fatima El Amrani"])
    signer = await trust_signer(client, demo, person_keys, ["Khadija El Amrani"])
    hh = demo["household"]["id"]
    lacking = await (
        await client.get(f"/api/households/{hh}/mail/missing-keys", headers=bearer(demo["regisseur"]))
    ).json()
    names = {row["name"] for row in lacking["betrokkenen"]}
    assert "Khadija El Amrani" in names and "Fatima El Amrani" not in names
    forbidden = await client.get(
        f"/api/households/{hh}/mail/missing-keys", headers=bearer(demo["by_name"]["Khadija El Amrani"])
    )
    assert forbidden.status == 403

    await _change(client, demo)
    await drain(services.outbox)
    [notice] = peer.to(demo["by_name"]["Khadija El Amrani"]["email"])
    raw = notice.as_bytes()
    assert notice.get_content_type() == "multipart/signed"
    assert MARKER.encode() not in raw and ACTION_MARKER.encode() not in raw and b"Budgetplan" not in raw
    assert b"https://plan.example.org/" in raw
    signed, signature, _micalg = extract_signed_parts(raw)
    key = person_keys["Khadija El Amrani"]
    (key.home / "sig.asc").write_bytes(signature)
    proc = key.gpg("--status-fd", "2", "--verify", str(key.home / "sig.asc"), "-", input=signed)
    assert "VALIDSIG" in proc.stderr.decode() and signer in proc.stderr.decode()
    [encrypted] = peer.to(demo["by_name"]["Fatima El Amrani"]["email"])
    assert encrypted.get_content_type() == "multipart/encrypted"


async def test_a_rolled_back_version_queues_nothing(client, demo, services):
    before = len(await _outbox(client, demo))

    async def boom(uow, actor, info):
        raise RuntimeError("simulated failure after queuing")

    services.plan.on_version_created.append(boom)
    hh = demo["household"]["id"]
    resp = await client.patch(
        f"/api/households/{hh}/plan",
        headers={**bearer(demo["regisseur"]), "If-Match": "*"},
        json={"analyse": {"analyse": "wordt niet bewaard", "gewenst_perspectief": ""}},
    )
    assert resp.status >= 500
    services.plan.on_version_created.remove(boom)
    assert len(await _outbox(client, demo)) == before
    plan = await (await client.get(f"/api/households/{hh}/plan", headers=bearer(demo["regisseur"]))).json()
    assert "wordt niet bewaard" not in str(plan)


async def test_key_upload_is_validated(client, demo, person_keys):
    hh = demo["household"]["id"]
    oma = demo["by_name"]["Khadija El Amrani"]
    url = f"/api/households/{hh}/betrokkenen/{oma['id']}/key"
    for bad in ("weak", "expired", "revoked", "signonly"):
        resp = await client.put(url, json={"armored": person_keys[bad].armored_public}, headers=bearer(oma))
        assert resp.status == 422, bad
        assert "armored" in await resp.text()
    resp = await client.put(url, json={"armored": "not a key"}, headers=bearer(oma))
    assert resp.status == 422 and "armored" in await resp.text()
    joost = demo["by_name"]["Joost Willems"]
    resp = await client.put(
        f"/api/households/{hh}/betrokkenen/{joost['id']}/key",
        json={"armored": person_keys["Joost Willems"].armored_public},
        headers=bearer(oma),
    )
    assert resp.status == 403  # only oneself or a regisseur
    resp = await client.put(
        url, json={"armored": person_keys["Khadija El Amrani"].armored_public}, headers=bearer(demo["regisseur"])
    )
    assert resp.status == 200
    data = await resp.json()
    assert data["fingerprint"] == person_keys["Khadija El Amrani"].fingerprint and data["expires_at"]


async def test_plan_pdf_is_the_callers_view(client, demo):
    await _change(client, demo)
    hh = demo["household"]["id"]
    resp = await client.get(f"/api/households/{hh}/plan.pdf", headers=bearer(demo["by_name"]["Khadija El Amrani"]))
    assert resp.status == 200 and resp.content_type == "application/pdf"
    text = pdf_text(await resp.read())
    assert MARKER not in text and ACTION_MARKER not in text and "Samen de post ordenen" in text
    resp = await client.get(f"/api/households/{hh}/plan.pdf", headers=bearer(demo["by_name"]["Fatima El Amrani"]))
    text = pdf_text(await resp.read())
    assert MARKER in text and "Doelen en acties" in text
