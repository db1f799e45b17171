"""The two grant loaders — the hot read's one statement and `ConsentRepository.grants` in a unit of work —
give the same grants for every kind of grant, in force or not, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eenplan.domain.access import Level
from eenplan.domain.consent import ConsentStatus as S
from eenplan.domain.overmacht import Besluit
from eenplan.storage.tables_access import ConsentRow, OvermachtRow
from eenplan.storage.tables_stagnatie import EscalatieGrantRow


async def test_both_loaders_agree_on_every_kind_of_grant(services, demo):
    hh = demo["household"]["id"]
    plan = services.plan
    today = plan.today()
    now = datetime.now(UTC)
    klant = next(b for b in demo["betrokkenen"] if b["kind"] == "klant")
    grantee = next(b for b in demo["betrokkenen"] if b["kind"] == "professional" and b["role"] != "procesregisseur")
    by = demo["regisseur"]["id"]

    def consent(
        cid: str, status: S, level: Level, until_days: int, about: str | None = None, sections: str = "analyse"
    ) -> ConsentRow:
        return ConsentRow(
            id=cid,
            household_id=hh,
            requested_by=by,
            grantee_id=grantee["id"],
            about_id=about,
            sections=sections,
            level=int(level),
            purpose="zorg afstemmen",
            until=today + timedelta(days=until_days),
            status=status.value,
            created_at=now,
        )

    def overmacht(oid: str, besluit: Besluit, until_days: int) -> OvermachtRow:
        return OvermachtRow(
            id=oid,
            household_id=hh,
            professional_id=by,
            recipient_id=grantee["id"],
            answers="{}",
            besluit=besluit.value,
            sections="veiligheid,netwerk",
            until=today + timedelta(days=until_days),
            created_at=now,
        )

    rows = [
        consent("c-read", S.GRANTED, Level.READ, 30),
        consent("c-write", S.GRANTED, Level.WRITE, 30, sections="doelen,afspraken"),
        consent("c-last-day", S.GRANTED, Level.READ, 0, sections="netwerk"),  # holds through today
        consent("c-expired", S.GRANTED, Level.READ, -1),
        consent("c-revoked", S.REVOKED, Level.READ, 30),
        consent("c-pending", S.REQUESTED, Level.READ, 30),
        consent("c-refused", S.DECLINED, Level.READ, 30),
        consent("c-about", S.GRANTED, Level.READ, 30, about=klant["id"], sections="analyse,hulpvraag"),
        overmacht("o-delen", Besluit.DELEN, 7),
        overmacht("o-niet", Besluit.NIET_DELEN, 7),
        overmacht("o-expired", Besluit.DELEN, -1),
        EscalatieGrantRow(
            id="e-open", household_id=hh, grantee_id=grantee["id"], sections="hulpvraag", until=None, created_at=now
        ),
        EscalatieGrantRow(
            id="e-ended",
            household_id=hh,
            grantee_id=grantee["id"],
            sections="hulpvraag",
            until=None,
            created_at=now,
            ended_at=now,
        ),
    ]
    async with services.plan._uow(write=True) as uow:
        uow.session.add_all(rows)
        await uow.commit()

    hot = await plan._reads.member_access(hh, grantee["id"], None, today)
    assert hot is not None
    async with services.plan._uow() as uow:
        loaded = await uow.consents.grants(hh, grantee["id"], today)

    assert sorted(hot.grants, key=lambda g: g.ground) == sorted(loaded, key=lambda g: g.ground)
    by_ground = {g.ground: g for g in loaded}
    assert set(by_ground) == {
        "toestemming:c-read",
        "toestemming:c-write",
        "toestemming:c-last-day",
        "toestemming:c-about",
        "overmacht:o-delen",
        "escalatie:e-open",
    }
    assert by_ground["toestemming:c-write"].level is Level.WRITE
    assert by_ground["toestemming:c-write"].sections == frozenset({"doelen", "afspraken"})
    assert by_ground["overmacht:o-delen"].emergency and by_ground["overmacht:o-delen"].level is Level.READ
    assert not by_ground["escalatie:e-open"].emergency and by_ground["escalatie:e-open"].until is None
    assert by_ground["toestemming:c-last-day"].until == today

    # and for someone with none of them, neither loader invents one
    other = demo["regisseur"]["id"]
    hot_other = await plan._reads.member_access(hh, other, None, today)
    async with services.plan._uow() as uow:
        assert hot_other is not None and list(hot_other.grants) == await uow.consents.grants(hh, other, today) == []
