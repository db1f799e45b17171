"""The second factor in a real browser: a professional in two households adds a passkey (Chromium's virtual
authenticator) and signs in again with it alone; an authenticator app (TOTP); a recovery code."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from flows import (
    JOOST_THERE,
    at,
    household_links,
    path_of,
    press,
    second_household,
    set_up_totp,
    sign_in_by_link,
)
from harness import Site, add_virtual_authenticator, authenticator_credentials, check_page
from playwright.async_api import Page, expect

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

JOOST = "j.willems@shv.example.org"
INGE = "i.bakker@jeugdteam.example.org"
ANNA = "a.peters@example.org"
SECOND_STEP = at("/inloggen/tweede-stap(?:/.*)?")


async def sign_out(page: Page) -> None:
    """The header's sign-out button; afterwards the household list asks to sign in again."""
    await press(page, page.locator("header form[action='/uitloggen'] button"))
    await page.goto("/huishoudens")
    await expect(page.locator("main input[type=email]")).to_be_visible()


async def onward(page: Page) -> None:
    """From the 'factor is set up' page, go on to where the person was going."""
    await check_page(page, "tweede-stap-klaar")
    onward_link = "main a.eenplan-onward, main a[href^='/huishoudens'], main a[href^='/inloggen/kiezen']"
    await press(page, page.locator(onward_link).first)


async def test_a_professional_in_two_households_adds_a_passkey_and_signs_in_again_with_it(
    site: Site, page: Page
) -> None:
    second = await second_household(site, "H-2026-902", "Huishouden Smits", [JOOST_THERE])
    other = await second_household(
        site,
        "H-2026-903",
        "Huishouden Peters",
        [
            {
                "name": "Anna Peters",
                "kind": "klant",
                "role": "ouder",
                "relation": "moeder",
                "email": "a.peters@example.org",
            }
        ],
    )
    await sign_in_by_link(page, site, JOOST)
    await page.wait_for_url(SECOND_STEP)  # a professional: no plan content before a second factor
    await check_page(page, "tweede-stap-instellen")
    blocked = await page.goto(f"/huishoudens/{site.household_id}")
    assert blocked is not None
    await page.wait_for_url(SECOND_STEP)

    cdp = await add_virtual_authenticator(page)
    await page.locator("[data-passkey=register] [data-passkey-start]").click()
    await page.wait_for_url(at("/inloggen/tweede-stap/klaar|/huishoudens.*"))
    (credential,) = await authenticator_credentials(cdp)
    assert credential["isResidentCredential"] is True
    told = await site.mail.next_mail(JOOST, containing=re.compile("toegevoegd: een passkey"))
    assert told.get_content_type() == "multipart/signed"  # he is told by mail, content-free
    if "/klaar" in page.url:
        await onward(page)

    await page.goto("/huishoudens")
    await check_page(page, "huishoudens-professional")
    assert set(await household_links(page)) == {site.household_id, second}
    for hid, name in ((site.household_id, "El Amrani"), (second, "Smits")):
        await page.goto(f"/huishoudens/{hid}")
        await expect(page.locator("h1")).to_contain_text(name)
        await check_page(page, f"huishouden-professional-{name.split()[-1].lower()}")
    not_his = await page.goto(f"/huishoudens/{other}")
    assert not_his is not None and not_his.status == 404
    await expect(page.locator("main")).not_to_contain_text("Peters")

    await page.goto("/account")
    await check_page(page, "account")
    await sign_out(page)

    await page.goto("/")
    await check_page(page, "home-passkey")
    await page.locator("[data-passkey=signin] [data-passkey-start]").click()
    await page.wait_for_url(at("/huishoudens.*"))
    assert not SECOND_STEP.search(page.url)  # a passkey is two factors by itself
    assert set(await household_links(page)) == {site.household_id, second}
    await page.goto(f"/huishoudens/{second}")
    await expect(page.locator("h1")).to_contain_text("Smits")
    assert (await authenticator_credentials(cdp))[0]["signCount"] >= 2

    await sign_out(page)  # the mail link again: now the second step asks for the passkey he has
    await sign_in_by_link(page, site, JOOST, start="/")
    await page.wait_for_url(SECOND_STEP)
    await check_page(page, "tweede-stap-passkey")
    await page.locator("[data-passkey=verify] [data-passkey-start]").click()
    await page.wait_for_url(at("/huishoudens.*"))
    assert set(await household_links(page)) == {site.household_id, second}


async def _app_set_up(page: Page, site: Site) -> pyotp.TOTP:
    """Inge signs in by link and sets up an authenticator app as her first factor."""
    await sign_in_by_link(page, site, INGE)
    await page.wait_for_url(SECOND_STEP)
    await page.locator("main a[href^='/inloggen/tweede-stap/app']").click()
    await page.wait_for_url(at("/inloggen/tweede-stap/app"))
    await check_page(page, "app-instellen")
    totp = await set_up_totp(page, site)
    await page.wait_for_url(at("/inloggen/tweede-stap/klaar"))
    return totp


async def test_an_authenticator_app_is_set_up_and_then_signs_in_with_the_link(site: Site, page: Page) -> None:
    totp = await _app_set_up(page, site)
    await site.mail.next_mail(INGE, containing=re.compile("toegevoegd: een app"))  # she is told by mail
    await onward(page)
    assert path_of(page) == "/huishoudens"
    await sign_out(page)

    site.clock.advance(seconds=30)  # the set-up's code is spent; the app shows the next one
    await sign_in_by_link(page, site, INGE)
    await page.wait_for_url(SECOND_STEP)
    await check_page(page, "tweede-stap-code")
    code_form = page.locator("main form[action^='/inloggen/tweede-stap/code']")
    valid = {totp.at(site.clock() + timedelta(seconds=drift)) for drift in (-30, 0, 30)}
    wrong = next(code for code in ("000000", "111111", "222222", "333333", "444444") if code not in valid)
    await code_form.locator("input[autocomplete=one-time-code]").fill(wrong)
    await press(page, code_form.locator("button"))
    await expect(page.locator("main [aria-invalid=true], main .utrecht-alert")).not_to_have_count(0)
    await check_page(page, "tweede-stap-code-fout")
    await code_form.locator("input[autocomplete=one-time-code]").fill(totp.at(site.clock()))
    await press(page, code_form.locator("button"))
    assert path_of(page).startswith("/huishoudens"), await page.locator("main").inner_text()
    assert list(await household_links(page)) == [site.household_id]


async def test_a_recovery_code_signs_in_once(site: Site, page: Page) -> None:
    await _app_set_up(page, site)
    await press(page, page.locator("main form[action='/account/herstelcodes'] button"))  # make recovery codes
    await check_page(page, "herstelcodes")
    codes = re.findall(r"\b[A-Z0-9]{4}(?:-[A-Z0-9]{4}){3}\b", await page.locator("main").inner_text())
    assert len(codes) == 10, codes
    await sign_out(page)

    for attempt in ("works", "used"):
        await sign_in_by_link(page, site, INGE)
        await page.wait_for_url(SECOND_STEP)
        form = page.locator("main form[action^='/inloggen/tweede-stap/herstelcode']")
        await form.locator("input[name=code]").fill(codes[0].lower().replace("-", " "))
        await press(page, form.locator("button"))
        if attempt == "works":
            assert path_of(page).startswith("/huishoudens"), page.url
            await sign_out(page)
        else:
            assert SECOND_STEP.search(page.url)
            await expect(page.locator("main .utrecht-alert, main [aria-invalid=true]")).not_to_have_count(0)
