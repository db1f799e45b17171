"""The plan editor's add forms sent twice add one item (issue 13, the review's defect 1): a double click or a
resubmit of "Actie toevoegen" (or "Doel toevoegen", "Afspraak toevoegen") used to add the item twice and say
"samengevoegd"; the form now carries the id the service made for it when the page was rendered."""

from __future__ import annotations

import dataclasses
import re

import pytest
from support.editor_kit import SANNE, editor, oma, plan_of
from support.pagekit import sign_in

from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.domain.mailgroup import OutboxKind

FORM = re.compile(r'<form method="post" action="([^"]+)" novalidate>(.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([a-z]+)" value="([^"]*)">')


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about the editor, not the sign-in."""
    return dataclasses.replace(settings, second_factor="off")


async def _plan_mails(services, demo) -> int:
    me = Principal(demo["regisseur"]["id"], demo["household"]["id"])
    rows = await services.mailgroup.outbox(me, demo["household"]["id"], None, 10_000)
    return sum(1 for r in rows if r.kind is OutboxKind.PLAN_UPDATE)


async def _form(client, demo, action: str) -> dict[str, str]:
    """The hidden fields of the editor's form posting to `action`, as the browser got them."""
    page = await (await client.get(editor(demo))).text()
    forms = {a: dict(HIDDEN.findall(body)) for a, body in FORM.findall(page)}
    return forms[editor(demo) + action]


async def test_actie_toevoegen_sent_twice_adds_one_action_and_one_version(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    before = await plan_of(services, demo)
    mails = await _plan_mails(services, demo)
    form = {**await _form(client, demo, "/doelen/school/acties"), "wie": oma(demo), "wat": "Youssef ophalen"}
    form |= {"start": "2026-12-07", "einde": "2026-12-21", "evaluatie": ""}
    assert form["id"] and form["versie"] == str(before["version"])
    answers = [await client.post(editor(demo) + "/doelen/school/acties", data=form, allow_redirects=False)]
    after_one = await _plan_mails(services, demo)
    answers.append(await client.post(editor(demo) + "/doelen/school/acties", data=form, allow_redirects=False))
    for resp in answers:  # both say it is saved; neither says someone else changed the plan meanwhile
        assert resp.status == 303, await resp.text()
        assert "gelukt=opgeslagen" in resp.headers["Location"] and f"#actie-{form['id']}" in resp.headers["Location"]
    after = await plan_of(services, demo)
    assert after["version"] == before["version"] + 1
    acties = after["doelen"][1]["acties"]
    assert [a["wat"] for a in acties].count("Youssef ophalen") == 1 and acties[:-1] == before["doelen"][1]["acties"]
    assert after_one > mails and await _plan_mails(services, demo) == after_one  # one round of mail, not two


async def test_doel_and_afspraak_toevoegen_sent_twice_add_one_each(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    v = (await plan_of(services, demo))["version"]
    goal = {**await _form(client, demo, "/doelen"), "titel": "Rust in huis", "status": "open"}
    for _ in range(2):
        resp = await client.post(editor(demo) + "/doelen", data=goal, allow_redirects=False)
        assert resp.status == 303 and "gelukt=opgeslagen" in resp.headers["Location"]
    afspraak = {**await _form(client, demo, "/afspraken"), "wat": "Elke maandag bellen", "wie": "", "wanneer": ""}
    for _ in range(2):
        resp = await client.post(editor(demo) + "/afspraken", data=afspraak, allow_redirects=False)
        assert resp.status == 303 and "gelukt=opgeslagen" in resp.headers["Location"]
    after = await plan_of(services, demo)
    assert after["version"] == v + 2
    assert [g["titel"] for g in after["doelen"]].count("Rust in huis") == 1
    assert [a["wat"] for a in after["afspraken"]].count("Elke maandag bellen") == 1


async def test_each_page_gives_its_add_forms_fresh_ids(client, demo, capsys):
    await sign_in(client, capsys, SANNE)
    first = await _form(client, demo, "/doelen/school/acties")
    other_goal = await _form(client, demo, "/doelen/financien/acties")
    again = await _form(client, demo, "/doelen/school/acties")
    assert len({first["id"], other_goal["id"], again["id"]}) == 3


async def test_the_form_sent_again_with_other_content_is_refilled_to_add_anew(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    form = {**await _form(client, demo, "/doelen/school/acties"), "wie": oma(demo), "wat": "Youssef ophalen"}
    form |= {"start": "2026-12-07", "einde": "2026-12-21", "evaluatie": ""}
    resp = await client.post(editor(demo) + "/doelen/school/acties", data=form, allow_redirects=False)
    assert resp.status == 303
    v = (await plan_of(services, demo))["version"]
    # back in the browser, the text changed, the same form sent again
    resp = await client.post(editor(demo) + "/doelen/school/acties", data={**form, "wat": "Youssef brengen"})
    assert resp.status == 409
    text = await resp.text()
    assert re.search(r'id="nieuwe-actie-school-wat-fout">U had dit formulier al eens opgeslagen', text)
    assert 'value="Youssef brengen"' in text  # what was entered stays
    refilled = dict(HIDDEN.findall(dict(FORM.findall(text))[editor(demo) + "/doelen/school/acties"]))
    assert refilled["id"] != form["id"]  # sent once more, it is added as a new action
    assert (await plan_of(services, demo))["version"] == v  # nothing written
    anew = {**form, **refilled, "wat": "Youssef brengen"}
    resp = await client.post(editor(demo) + "/doelen/school/acties", data=anew, allow_redirects=False)
    assert resp.status == 303
    wat = [a["wat"] for a in (await plan_of(services, demo))["doelen"][1]["acties"]]
    assert wat.count("Youssef ophalen") == 1 and wat.count("Youssef brengen") == 1
