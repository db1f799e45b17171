"""De mail van een huishouden in a real browser, as the regisseur: the outbox with a dead letter sent again, a
group refused (the error next to its field), made and removed, who lacks a key, an address that bounces tried
again. Every page state passes axe (WCAG 2.1 AA), is screenshot and fits 320 px."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flows import at, press, sign_in_by_link
from harness import Site, check_page
from playwright.async_api import Page, expect

from eenplan.domain.bounces import DISABLE_AT, BounceRecord
from eenplan.domain.mailgroup import OutboxItem, OutboxKind, OutboxStatus

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

SANNE = "sanne.devries@example.org"
KHADIJA = ("Khadija El Amrani", "khadija@example.org")


@pytest.fixture
def site_overrides() -> dict[str, Any]:
    """No second factor: this module is about the mail page (factors have their own browser tests)."""
    return {"second_factor": "off"}


async def _dead_letter(site: Site, recipient: str) -> str:
    """A plan update the relay refused for good. Due only later, so the running worker leaves it to us."""
    now = site.clock()
    later = now + timedelta(minutes=30)
    item = OutboxItem(
        "dead-letter-b", site.household_id, recipient, OutboxKind.PLAN_UPDATE, "dead-b", 2, None,
        OutboxStatus.QUEUED, 0, later, now,
    )  # fmt: skip
    services = site.services
    async with services.mailgroup._uow(write=True) as uow:
        assert await uow.mail.enqueue(item)
        await uow.commit()
    async with services.mailgroup._uow(write=True) as uow:
        claimed = await uow.mail.claim(now + timedelta(hours=1), now + timedelta(hours=2), "b:1", 500, 3)
        assert item.id in {c.id for c in claimed}
        assert await uow.mail.begin(item.id, "b:1")
        assert await uow.mail.mark_final(item.id, "b:1", OutboxStatus.DEAD, "550 5.1.1 unknown")
        await uow.mail.release("b:1")
        await uow.commit()
    return item.id


async def test_the_regisseur_keeps_the_households_mail_going(page: Page, site: Site) -> None:
    household = site.household_id
    oma = site.person(KHADIJA[0])
    dead = await _dead_letter(site, site.person("Fatima El Amrani")["id"])
    async with site.services.bounces._uow(write=True) as uow:
        bounced = date(2026, 11, 30)
        record = BounceRecord(household, oma["id"], KHADIJA[1], DISABLE_AT, bounced, disabled_at=site.clock())
        await uow.bounces.put(record)
        await uow.commit()

    base = f"/huishoudens/{household}/mail"
    await sign_in_by_link(page, site, SANNE, start=base)
    await page.wait_for_url(at(base))
    row = page.locator(f'[data-outbox="{dead}"]')
    await expect(row).to_contain_text("Niet bezorgd")
    await expect(page.locator("[data-missing-key]").first).to_be_visible()
    await expect(page.locator(f'[data-bounce="{oma["id"]}"]')).to_contain_text("dit adres werkt niet")
    await check_page(page, "mail")

    await press(page, row.get_by_role("button", name="Opnieuw proberen"))
    await expect(page.get_by_role("status").first).to_contain_text("Het bericht staat weer klaar om te versturen.")
    await expect(page.locator(f'[data-outbox="{dead}"] [data-status]')).not_to_contain_text("Niet bezorgd")
    await check_page(page, "mail-opnieuw")

    await page.get_by_label("Naam van de groep").fill("Familie")
    await page.get_by_label("Korte naam voor het adres").fill("Niet goed!")
    await page.get_by_role("checkbox", name=KHADIJA[0], exact=True).check()
    await press(page, page.get_by_role("button", name="Groep maken"))
    await expect(page.locator("#slug-fout")).to_be_visible()
    await expect(page.get_by_role("checkbox", name=KHADIJA[0], exact=True)).to_be_checked()
    await check_page(page, "mail-fout")

    await page.get_by_label("Korte naam voor het adres").fill("familie")
    await page.get_by_label("Deze groep krijgt een nieuwe versie van het plan (in plaats van iedereen)").check()
    await press(page, page.get_by_role("button", name="Groep maken"))
    group = page.locator("[data-group]")
    await expect(group).to_contain_text("Familie")
    await expect(group).to_contain_text(KHADIJA[0])
    await expect(group).to_contain_text("krijgt het plan")
    await check_page(page, "mail-groep")

    await press(page, group.get_by_role("button", name="Groep Familie verwijderen"))
    await expect(page.get_by_role("status").first).to_contain_text("De groep is verwijderd.")
    await expect(page.locator("[data-group]")).to_have_count(0)

    await press(page, page.get_by_role("button", name=f"Adres van {KHADIJA[0]} opnieuw proberen"))
    await expect(page.get_by_role("status").first).to_contain_text("We sturen weer e-mail naar dit adres.")
    await expect(page.locator("[data-bounce]")).to_have_count(0)
    await check_page(page, "mail-adres")
