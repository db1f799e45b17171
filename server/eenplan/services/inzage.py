"""Inzage (AVG art. 15): everything eenplan holds about a household that this klant may see, as one zip.

The export is assembled from the other services, each of which decides and logs what it shows: plan
versions through `PlanService.export_versions` (scoped by the one policy, logged once as an export on web), overleggen
through `OverlegService.list` (agenda and decisions only where `may_read_overleg_content` allows), the
journaal messages of the klant's groups through `JournaalService.export` (logged as an export on web), the
PDF through `MailgroupService.plan_pdf` (logged as an export on channel pdf). The zip is written with the
standard library in memory: `zipfile` and `json` do no I/O outside the buffer.
"""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from ..domain.access import Principal
from ..domain.audit import Channel
from ..domain.household import Household
from ..domain.ports import UnitOfWorkFactory
from .access_log import MAX_ROWS, NEED_LOG, AccessLogService, LogRow
from .common import Need, authorised, known_household
from .consent import ConsentService
from .journaal import JournaalService, Shown
from .mailgroup import MailgroupService
from .overleggen import OverlegService
from .plan import PlanService, PlanSnapshot

#: versions listed per call while collecting them
VERSION_PAGE = 200
#: what the zip's members are called (no names of people: the filename may be seen by others)
README_NAME = "LEESMIJ.txt"
README = """Inzage in uw gegevens (AVG artikel 15)

Dit bestand bevat alles wat eenplan over uw huishouden bewaart en wat u mag zien.

- huishouden.json: het huishouden, de fase en de fases tot nu toe
- betrokkenen.json: wie er meedoen, met hun rol en contactgegevens
- plan/versie-<nummer>.json: elke versie van het plan
- plan.pdf: het plan zoals het nu is
- toestemmingen.json: de toestemmingen, wie ze vroeg en wie antwoordde
- overmacht.json: besluiten om zonder toestemming te delen
- overleggen.json: de overleggen waarvoor u bent uitgenodigd
- journaal.json: de berichten in de groepen waar u bij hoort
- toegangslog.json: wie het plan heeft bekeken, wanneer en waarom

De bestanden met .json zijn tekst. U kunt ze openen met elk programma voor tekst.
"""


@dataclass(frozen=True)
class InzageOffer:
    """What the inzage page offers: the household, and whether the caller has the second factor the
    download needs (False: the page sends them through the second step first)."""

    household: Household
    ready: bool


class InzageService:
    """The klant's AVG download."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        plan: PlanService,
        consent: ConsentService,
        overleggen: OverlegService,
        access_log: AccessLogService,
        mailgroup: MailgroupService,
        journaal: JournaalService | None = None,
    ) -> None:
        self._uow = uow
        self._plan = plan
        self._consent = consent
        self._overleggen = overleggen
        self._access_log = access_log
        self._mailgroup = mailgroup
        self._journaal = journaal

    async def offer(self, principal: Principal, household_id: str) -> InzageOffer:
        """The household whose download the inzage page offers (only to a klant speaking for themself), and
        whether the download may start now or asks for the second factor first."""
        async with authorised(
            self._uow, principal, household_id, need=Need.PERSONAL_KLANT, what="download everything"
        ) as caller:
            return InzageOffer(await known_household(caller.uow, household_id), principal.second_factor)

    async def export(self, principal: Principal, household_id: str) -> tuple[str, bytes]:
        """(the zip's filename, its bytes): everything this klant may see of the household, with a second factor
        (it holds the access log). Every part is read through the service that decides and logs it, and goes
        into the zip as it comes (one version, one page of the log at a time), so memory holds the compressed
        zip and one part."""
        async with authorised(self._uow, principal, household_id, need=NEED_LOG, what="download everything") as caller:
            household = await known_household(caller.uow, household_id)
            phases = await caller.uow.households.phase_history(household_id)
            people = await caller.uow.betrokkenen.list(household_id)  # the contact list every betrokkene sees
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(README_NAME, README)
            _json(archive, "huishouden.json", {"huishouden": household, "fases": phases})
            _json(archive, "betrokkenen.json", people)
            await self._versions(archive, principal, household_id)
            consents = await self._consent.list(principal, household_id)
            _json(
                archive,
                "toestemmingen.json",
                [{**_plain(v.consent), "status_nu": v.effective_status, "wacht_op": v.waiting_for} for v in consents],
            )
            _json(archive, "overmacht.json", await self._consent.overmacht(principal, household_id))
            _json(archive, "overleggen.json", await self._overleggen.list(principal, household_id, channel=Channel.WEB))
            if self._journaal is not None:  # the messages of the groups the klant belongs to; logged as an export
                messages = await self._journaal.export(principal, household_id)
                _json(archive, "journaal.json", [_journaal_entry(m) for m in messages])
            await self._log(archive, principal, household_id)
            archive.writestr("plan.pdf", await self._mailgroup.plan_pdf(principal, household_id))
        return filename(self._plan.today()), buffer.getvalue()

    async def _versions(self, archive: zipfile.ZipFile, principal: Principal, household_id: str) -> None:
        """Every version the klant may read, each scoped by `PlanService.export_versions`, which logs the download
        once as an export of them all (channel web): a download is not a visit of each version."""
        numbers: list[int] = []
        before: int | None = None
        while True:
            page, _ = await self._plan.versions(principal, household_id, before=before, limit=VERSION_PAGE)
            numbers += [info.number for info in page]
            if len(page) < VERSION_PAGE:
                break
            before = page[-1].number

        def write(snapshot: PlanSnapshot) -> None:
            sections = {key: json.loads(text) for key, text in snapshot.sections.items()}
            _json(archive, f"plan/versie-{snapshot.info.number:04d}.json", {"versie": snapshot.info, "delen": sections})

        await self._plan.export_versions(principal, household_id, numbers, write, channel=Channel.WEB)

    async def _log(self, archive: zipfile.ZipFile, principal: Principal, household_id: str) -> None:
        """The whole access log as one JSON array, newest first, with the names of the people it names; written
        a page at a time."""
        before: int | None = None
        first = True
        with archive.open("toegangslog.json", "w") as out:
            out.write(b"[")
            while True:
                page = await self._access_log.client_view(principal, household_id, before=before, limit=MAX_ROWS)
                for row in page.rows:
                    out.write((b"\n" if first else b",\n") + json.dumps(_log_entry(row), ensure_ascii=False).encode())
                    first = False
                if page.next_before is None:
                    break
                before = page.next_before
            out.write(b"\n]\n")


def _journaal_entry(shown: Shown) -> dict[str, Any]:
    """One journaal message as the download holds it: who wrote it, to which group, when, and what."""
    message = shown.message
    return {
        "id": message.id,
        "groep": shown.group,
        "van": shown.author,
        "ontvangen": _plain(message.received_at),
        "onderwerp": message.subject,
        "tekst": message.text,
        "had_bijlagen": message.had_attachments,
    }


def _log_entry(row: LogRow) -> dict[str, Any]:
    """One entry of the access log as the download holds it."""
    return {
        "nummer": row.seq,
        **_plain(row.event),
        "door": row.reader.name if row.reader else None,
        "organisatie": row.reader.organisation if row.reader else None,
        "namens": row.on_behalf_of.name if row.on_behalf_of else None,
    }


def _json(archive: zipfile.ZipFile, name: str, value: Any) -> None:
    """One JSON file of the zip (UTF-8, indented)."""
    archive.writestr(name, json.dumps(_plain(value), ensure_ascii=False, indent=2))


def filename(today: date) -> str:
    """`inzage-<date>.zip`: neither a name nor the household code (a regisseur chooses codes; one could hold a
    name, and a filename is seen in download lists and by whoever shares the computer)."""
    return f"inzage-{today.isoformat()}.zip"


def _plain(value: Any) -> Any:
    """Domain values as JSON's: dataclasses as objects, enums by value, dates in ISO 8601, sets sorted."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
