"""The stagnation ladder's words reach people through the catalog: who acts in a step, what it must bring, its
deadlines (on the regisseur's page and the aanspreekpunt's) and the five afwegingen of a safety signal. The domain
keeps codes; the pages give the words, so a translation changes what people read."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from babel.support import NullTranslations
from support.overleg_kit import regisseur
from support.pagekit import sign_in
from support.stagnatie import AP_EMAIL, escalate_to_step_4

from eenplan.config import Settings
from eenplan.domain.caseload import DeadlineItem, DeadlineKind
from eenplan.domain.stagnatie import RULES, Step
from eenplan.domain.veiligheid import AFWEGINGEN, Soort
from eenplan.web.pages import i18n
from eenplan.web.pages.regie_words import afweging_words, deadline_words, step_outcome, step_who
from eenplan.web.pages.werkbank_pages import deadline_text
from eenplan_crypto.testing import create_keys

SANNE = "sanne.devries@example.org"


class Marked(NullTranslations):
    """A catalog that marks every text it translates, so the test sees which words went through it."""

    def gettext(self, message: str) -> str:
        return f"«{message}»"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about the words."""
    return dataclasses.replace(settings, second_factor="off")


@pytest.fixture(scope="module")
def ap_key():
    """The aanspreekpunt's own key pair (the registry validates and pins it)."""
    keys = create_keys({"ap": ("good", f"Anna Punt <{AP_EMAIL}>")})
    yield keys["ap"]
    keys["ap"].cleanup()


def test_every_step_deadline_and_afweging_of_the_domain_has_words():
    for step in Step:
        assert step_who(step) and step_outcome(step)
        for rule in RULES[step].deadlines:
            assert deadline_words(rule.key) != deadline_words("iets-anders"), rule.key
    assert list(afweging_words()) == list(AFWEGINGEN)


async def test_the_ladder_and_the_afwegingen_are_translated(client, services, demo, capsys, ap_key, monkeypatch):
    hh = demo["household"]["id"]
    await escalate_to_step_4(client, services, demo, ap_key)
    await services.veiligheid.raise_signal(regisseur(demo), hh, Soort.ONVEILIGHEID, "")
    await sign_in(client, capsys, SANNE)
    monkeypatch.setattr(i18n, "translations", lambda language=i18n.SOURCE_LANGUAGE: Marked())
    text = await (await client.get(f"/huishoudens/{hh}/regie/stagnatie")).text()
    assert "«casusregisseur en de betrokken professional (bilateraal)»" in text
    assert "«gemeentelijk aanspreekpunt (doorzettingsmacht)»" in text
    assert "«gesprek binnen twee weken, daarna binnen vijf werkdagen nieuwe afspraken»" in text
    assert "«gesprek managers»:" in text and "«intern plan»:" in text
    assert "«Leidt de hulp tot duurzame veiligheid?»" in text


async def test_the_escalatie_page_words_its_step_through_the_catalog(
    client, services, demo, capsys, ap_key, monkeypatch
):
    _, cid, _ap = await escalate_to_step_4(client, services, demo, ap_key)
    await sign_in(client, capsys, AP_EMAIL)
    monkeypatch.setattr(i18n, "translations", lambda language=i18n.SOURCE_LANGUAGE: Marked())
    text = await (await client.get(f"/huishoudens/{demo['household']['id']}/escalatie")).text()
    assert f'id="zaak-{cid}"' in text
    assert "«binnen één week acties, resultaat en termijn; binnen vijf werkdagen nieuwe afspraken»" in text
    assert "«acties, resultaat en termijn vastgelegd»:" in text


def test_the_werkbank_words_a_ladder_deadline_through_the_catalog(monkeypatch):
    monkeypatch.setattr(i18n, "translations", lambda language=i18n.SOURCE_LANGUAGE: Marked())
    item = DeadlineItem(DeadlineKind.STAGNATIE, "gesprek", "gesprek managers", date(2026, 12, 14), False, "zaak-1")
    assert deadline_text(item) == "«Stagnatie»: «gesprek managers»"
