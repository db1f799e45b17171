"""The inzage download (AVG art. 15) holds the journaal messages the klant may read — those of the groups she
belongs to, with who wrote them — and not those of a group she is not in; the download logs them as an export."""

from __future__ import annotations

import io
import json
import zipfile

from eenplan.domain.access import Principal
from eenplan.domain.audit import Channel, Event

FOR_FATIMA = "Bericht voor iedereen: de afspraak is verzet."
NOT_FOR_FATIMA = "Alleen voor de professionals: MARKER-7f3a."


async def test_the_inzage_zip_holds_the_journaal_messages_the_klant_may_read(services, demo):
    hid, people = demo["household"]["id"], demo["by_name"]
    fatima, khadija = people["Fatima El Amrani"]["id"], people["Khadija El Amrani"]["id"]
    joost, inge = people["Joost Willems"]["id"], people["Inge Bakker"]["id"]
    sanne = Principal(demo["regisseur"]["id"], hid, second_factor=True)
    group = await services.mailgroup.add_group(sanne, hid, "hulp", "Hulpverleners", [joost, inge], False)
    await services.journaal.write(Principal(khadija, hid), hid, None, FOR_FATIMA, "Afspraak")
    await services.journaal.write(Principal(joost, hid), hid, group.id, NOT_FOR_FATIMA)

    _, body = await services.inzage.export(Principal(fatima, hid, second_factor=True), hid)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert NOT_FOR_FATIMA.encode() not in b"".join(archive.read(n) for n in archive.namelist())
    (entry,) = json.loads(archive.read("journaal.json"))
    assert entry["tekst"] == FOR_FATIMA and entry["van"] == "Khadija El Amrani" and entry["onderwerp"] == "Afspraak"
    assert entry["groep"] == "iedereen" and entry["ontvangen"].startswith("20")
    assert "journaal.json" in archive.read("LEESMIJ.txt").decode()

    log = await services.access_log.entries(Principal(fatima, hid, second_factor=True), hid, limit=50)
    assert any(
        e.actor_id == fatima
        and e.event is Event.EXPORT
        and e.channel is Channel.WEB
        and e.detail == "inzage: journaal 1 berichten"
        for _, e in log
    )
