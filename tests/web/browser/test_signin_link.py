"""Signing in by the link in a mail, in a real browser, as the mother and as a stranger would."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flows import api, ask_link, at, household_links, path_of, press, second_household, sign_in_by_link, use_link
from harness import Site, check_page
from playwright.async_api import Page, expect

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

MOTHER = "fatima@example.org"


async def test_the_mother_signs_in_from_her_mail_and_reaches_her_household(site: Site, page: Page) -> None:
    await sign_in_by_link(page, site, MOTHER)
    if path_of(page) != "/huishoudens":  # one household: the list may take her straight there
        await page.goto("/huishoudens")
    await check_page(page, "huishoudens")
    links = await household_links(page)
    assert list(links) == [site.household_id]
    assert "El Amrani" in links[site.household_id]
    await expect(page.locator("main")).to_contain_text("ouder")  # her role there
    await press(page, page.locator(f"main a[href='/huishoudens/{site.household_id}']"))
    await page.wait_for_url(at(f"/huishoudens/{site.household_id}"))
    await check_page(page, "huishouden-start")
    await expect(page.locator("h1")).to_contain_text("El Amrani")
    await expect(page.locator("header")).to_contain_text(MOTHER)  # who you are, in the header


async def test_with_her_own_key_pinned_the_link_comes_encrypted_and_still_signs_her_in(
    site: Site, page: Page, mother_key: Any
) -> None:
    fatima = site.person("Fatima El Amrani")
    pinned = {"armored": mother_key.armored_public}
    await api(
        site, "PUT", f"/api/households/{site.household_id}/betrokkenen/{fatima['id']}/key", fatima["token"], pinned
    )
    await page.goto("/")
    await ask_link(page, site, MOTHER)
    await use_link(page, await site.mail.next_link(MOTHER, key=mother_key))
    await page.goto("/huishoudens")
    assert list(await household_links(page)) == [site.household_id]


async def test_a_mail_link_to_a_household_page_lands_there_after_sign_in(site: Site, page: Page) -> None:
    target = f"/huishoudens/{site.household_id}"
    await page.goto(target)  # a plan-update mail's link, opened before signing in
    await ask_link(page, site, MOTHER, name="inloggen-met-doel")
    await use_link(page, await site.mail.next_link(MOTHER))
    assert path_of(page) == target
    await expect(page.locator("h1")).to_contain_text("El Amrani")


async def test_the_link_in_a_plan_update_mail_lands_on_the_plan_after_sign_in(site: Site, page: Page) -> None:
    sanne, hid = site.person("Sanne de Vries"), site.household_id
    current = await api(site, "GET", f"/api/households/{hid}/plan", sanne["token"])
    change = {"analyse": {"analyse": "Nieuwe analyse na het overleg", "gewenst_perspectief": "Rust in huis"}}
    await api(site, "PATCH", f"/api/households/{hid}/plan", sanne["token"], change, If_Match=f'"{current["version"]}"')
    notice = await site.mail.next_mail(MOTHER, containing=re.compile("/huishoudens/"))
    assert notice.get_content_type() == "multipart/signed"  # no key of hers: a content-free notice
    assert f"versie {current['version'] + 1}" in str(notice["Subject"])  # about this change
    found = re.search(r"http://localhost:\d+/huishoudens/[^\s<>\"]+", site.mail.texts(notice))
    assert found is not None
    await page.goto(found.group(0))
    await ask_link(page, site, MOTHER, name="inloggen-vanuit-mail")
    await use_link(page, await site.mail.next_link(MOTHER))
    assert path_of(page) == f"/huishoudens/{hid}/plan"  # the notice's link: her plan, straight after sign-in
    await expect(page.locator("h1")).to_contain_text("plan")


async def test_one_address_of_two_people_chooses_who_they_are(site: Site, page: Page) -> None:
    sanne, hid = site.person("Sanne de Vries"), site.household_id
    shared = {"name": "Samira El Amrani", "kind": "netwerk", "role": "netwerklid", "relation": "tante", "email": MOTHER}
    await api(site, "POST", f"/api/households/{hid}/betrokkenen", sanne["token"], shared)
    await sign_in_by_link(page, site, MOTHER)
    await page.wait_for_url(at("/inloggen/kiezen"))
    await check_page(page, "inloggen-kiezen")
    await page.get_by_label(re.compile("Fatima El Amrani")).check()
    await press(page, page.locator("main form").filter(has=page.get_by_label(re.compile("Fatima"))).locator("button"))
    await page.wait_for_url(at("/huishoudens.*"))
    await page.goto(f"/huishoudens/{hid}")
    await expect(page.locator("main")).to_contain_text("Fatima El Amrani")


async def test_an_old_mail_link_with_huishouden_redirects_to_the_household_page(site: Site, page: Page) -> None:
    await page.goto(f"/?huishouden={site.household_id}")  # the links in mails before this issue
    await ask_link(page, site, MOTHER, name="inloggen-oude-link")
    await use_link(page, await site.mail.next_link(MOTHER))
    assert path_of(page) == f"/huishoudens/{site.household_id}"


async def test_a_stranger_sees_no_household_that_is_not_theirs(site: Site, page: Page) -> None:
    stranger = "p.janssen@example.org"
    own = await second_household(
        site,
        "H-2026-901",
        "Huishouden Janssen",
        [{"name": "Piet Janssen", "kind": "klant", "role": "ouder", "relation": "vader", "email": stranger}],
    )
    await sign_in_by_link(page, site, stranger)
    await page.goto("/huishoudens")
    assert list(await household_links(page)) == [own]
    await page.goto(f"/huishoudens/{own}")
    await expect(page.locator("h1")).to_contain_text("Janssen")

    theirs = await page.goto(f"/huishoudens/{site.household_id}")
    assert theirs is not None and theirs.status == 404
    await check_page(page, "niet-gevonden")
    not_theirs = (await page.locator("main").inner_text(), await page.title())
    missing = await page.goto("/huishoudens/bestaat-niet-0000")
    assert missing is not None and missing.status == 404
    assert (await page.locator("main").inner_text(), await page.title()) == not_theirs  # nothing tells them apart
    assert "El Amrani" not in not_theirs[0]


async def test_the_accessibility_statement_and_the_sign_in_page_pass_axe(site: Site, page: Page) -> None:
    await page.goto("/toegankelijkheid")
    await check_page(page, "toegankelijkheid")
    await page.goto("/huishoudens")  # not signed in: the sign-in page, keeping where they were going
    await expect(page.locator("main input[type=email]")).to_be_visible()
    await check_page(page, "inloggen-nodig")


async def test_removal_from_one_household_ends_access_there_at_the_next_request_only(site: Site, page: Page) -> None:
    fatima = {"name": "Fatima El Amrani", "kind": "klant", "role": "ouder", "relation": "tante", "email": MOTHER}
    other = await second_household(site, "H-2026-904", "Huishouden Bouali", [fatima])
    await sign_in_by_link(page, site, MOTHER)
    await page.goto("/huishoudens")
    assert set(await household_links(page)) == {site.household_id, other}

    token = site.regisseur_tokens[other]
    members = await api(site, "GET", f"/api/households/{other}/betrokkenen", token)
    her = next(b for b in members["betrokkenen"] if b["email"] == MOTHER)
    await api(site, "DELETE", f"/api/households/{other}/betrokkenen/{her['id']}", token)  # the regisseur there

    gone = await page.goto(f"/huishoudens/{other}")  # the same session, the next request
    assert gone is not None and gone.status == 404
    await page.goto("/huishoudens")
    assert list(await household_links(page)) == [site.household_id]  # still signed in, her own household stays
    await page.goto(f"/huishoudens/{site.household_id}")
    await expect(page.locator("h1")).to_contain_text("El Amrani")
