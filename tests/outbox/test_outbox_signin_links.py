"""Magic sign-in links by mail: encrypted to a pinned key, a signed notice otherwise, never on the console."""

from __future__ import annotations

import re

from support.mail_helpers import drain, open_encrypted, trust_signer, upload_keys

LINK = re.compile(r"https://plan\.example\.org/auth/magic-link/[A-Za-z0-9_\-]+")


async def test_signin_link_arrives_by_mail_and_works(client, demo, services, smtp_peer, person_keys, capsys):
    _, peer = smtp_peer
    await upload_keys(client, demo, person_keys, ["Fatima El Amrani"])
    await trust_signer(client, demo, person_keys, ["Fatima El Amrani"])
    for email in ("fatima@example.org", "khadija@example.org"):
        resp = await client.post("/auth/magic-link", json={"email": email})
        assert resp.status == 202
    await services.signin.settle()  # links are made and queued after the answer (issue 10, item 6)
    assert "magic-link/" not in capsys.readouterr().out  # with SMTP configured, never printed
    await drain(services.outbox)

    def signin_mail(address):
        found = [m for m in peer.to(address) if m["Subject"] == "Inloggen bij uw plan"]
        assert len(found) == 1, [m["Subject"] for m in peer.to(address)]
        return found[0]

    fatima_mail = signin_mail("fatima@example.org")
    assert fatima_mail.get_content_type() == "multipart/encrypted"
    assert not LINK.search(fatima_mail.as_string())  # the credential is inside the encryption
    inner, _status = open_encrypted(fatima_mail, person_keys["Fatima El Amrani"])
    fatima_link = LINK.search(
        "".join(p.get_content() for p in inner.walk() if p.get_content_type() == "text/plain")
    ).group(0)

    oma_mail = signin_mail("khadija@example.org")
    assert oma_mail.get_content_type() == "multipart/signed"
    texts = "".join(part.get_content() for part in oma_mail.walk() if part.get_content_type() == "text/plain")
    oma_link = LINK.search(texts).group(0)

    for link in (fatima_link, oma_link):
        token = link.rsplit("/", 1)[1]
        redeemed = await client.post(f"/auth/magic-link/{token}")
        assert redeemed.status == 200, await redeemed.text()
        session = (await redeemed.json())["session"]
        plan = await client.get(
            f"/api/households/{demo['household']['id']}/plan", headers={"Authorization": f"Bearer {session}"}
        )
        assert plan.status == 200
