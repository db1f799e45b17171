"""The pages' form-post helper (`web.pages.forms`) and the household preamble (`guard.household`): the CSRF
check comes first, a service's refusal is the page again (the caller's 422) with nothing redirected, a success
is a 303 to the page the action names; and through the real app, a forged post changes nothing."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from multidict import MultiDict, MultiDictProxy
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.domain.errors import ValidationFailed
from eenplan.web.pages import forms
from eenplan.web.pages.csrf import FormExpired

PRINCIPAL = Principal(betrokkene_id="b-1", household_id="h-1")
SANNE = "sanne.devries@example.org"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: this is about the forms, not the sign-in."""
    return dataclasses.replace(settings, second_factor="off")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the helper asked, in order; the form holds a text field and a file-like value."""
    seen: list[str] = []

    async def checked_form(request: web.Request) -> MultiDictProxy[Any]:
        seen.append("csrf")
        return MultiDictProxy(MultiDict([("naam", "Fatima"), ("dagen", "ma"), ("dagen", "di"), ("bestand", b"x")]))

    async def household(request: web.Request) -> tuple[str, Principal]:
        seen.append("guard")
        return "h-1", PRINCIPAL

    monkeypatch.setattr(forms.csrf, "checked_form", checked_form)
    monkeypatch.setattr(forms.guard, "household", household)
    return seen


def _request() -> web.Request:
    return make_mocked_request("POST", "/huishoudens/h-1/iets", match_info={"id": "h-1"})


async def test_a_success_redirects_303_to_where_the_action_says(calls: list[str]) -> None:
    async def act(post: forms.Posted) -> str:
        calls.append("act")
        assert (post.household_id, post.principal) == ("h-1", PRINCIPAL)
        assert post.text("naam") == "Fatima" and post.text("bestand") == "" and post.text("nergens") == ""
        assert post.form.getall("dagen") == ["ma", "di"] and post.raw["bestand"] == b"x"
        return "/huishoudens/h-1/iets?gelukt=ja"

    with pytest.raises(web.HTTPSeeOther) as done:
        await forms.handle(_request(), act)
    assert done.value.location == "/huishoudens/h-1/iets?gelukt=ja"
    assert calls == ["csrf", "guard", "act"]


async def test_a_refusal_answers_the_page_again_and_redirects_nowhere(calls: list[str]) -> None:
    async def act(post: forms.Posted) -> str:
        raise ValidationFailed.one("naam", "too short")

    async def refused(post: forms.Posted, err: ValidationFailed) -> web.Response:
        calls.append("refused")
        return web.Response(status=422, text=f"{err.problems[0].field}: {post.text('naam')}")

    answer = await forms.handle(_request(), act, refused)
    assert answer.status == 422 and isinstance(answer, web.Response) and answer.text == "naam: Fatima"
    assert calls == ["csrf", "guard", "refused"]


async def test_without_a_refusal_page_the_refusal_goes_on_to_the_error_pages(calls: list[str]) -> None:
    async def act(post: forms.Posted) -> str:
        raise ValidationFailed.one("naam", "too short")

    with pytest.raises(ValidationFailed):
        await forms.handle(_request(), act)


async def test_a_stale_form_is_refused_before_anyone_is_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    async def checked_form(request: web.Request) -> MultiDictProxy[Any]:
        raise FormExpired("old")

    async def household(request: web.Request) -> tuple[str, Principal]:
        seen.append("guard")
        return "h-1", PRINCIPAL

    async def act(post: forms.Posted) -> str:
        seen.append("act")
        return "/"

    monkeypatch.setattr(forms.csrf, "checked_form", checked_form)
    monkeypatch.setattr(forms.guard, "household", household)
    with pytest.raises(FormExpired):
        await forms.handle(_request(), act)
    assert seen == []


async def test_through_the_app_a_forged_post_is_403_and_changes_nothing(client, demo, capsys) -> None:
    """The real helpers on a real form (the regisseur's mail groups): no token, 403 and no group; with the
    token, a bad field is 422 with the field's text; a good one 303 back to the page."""
    await sign_in(client, capsys, SANNE)
    base = f"/huishoudens/{demo['household']['id']}/mail"
    forged = await client.post(base + "/groepen", data={"slug": "zorg", "name": "Zorg"}, allow_redirects=False)
    assert forged.status == 403
    assert "-zorg@" not in await (await client.get(base)).text()  # no group address was made
    token = await csrf_of(client, base)
    refused = await client.post(base + "/groepen", data={"slug": "zorg", "name": "", "csrf": token})
    assert refused.status == 422
    assert "Vul een naam in voor de groep." in await refused.text()
    done = await client.post(
        base + "/groepen", data={"slug": "zorg", "name": "Zorg", "csrf": token}, allow_redirects=False
    )
    assert done.status == 303 and done.headers["Location"] == base + "?gelukt=groep#melding"
