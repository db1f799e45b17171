"""Afschalen asks first (the aanspreekpunt's escalatie page, the only one that offers it: the domain lets only
the case's gemeentelijk aanspreekpunt hand it back): that ends their access to the household, so the button leads
to a step that says so, with "Ja, zaak teruggeven" (a form post carrying `zeker=ja`) and "Nee, terug". Only that
post calls the service; a post without it shows the step again and changes nothing.

The step shows the case as the page's own read gave it (`StagnatieService.escalated`, logged on channel web): a
case that read did not give answers 404, like a missing one.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ...domain.access import Principal
from ...domain.errors import NotFound
from . import guard
from .regie_words import long_day
from .render import page

#: the field of the confirming post, and its value
SURE, YES = "zeker", "ja"


def is_sure(form: Any) -> bool:
    """Whether a posted afschalen form is the confirming one (from the step), not the first press."""
    return bool(form.get(SURE, "") == YES)


async def step_page(
    request: web.Request,
    principal: Principal,
    household_id: str,
    cases: list[dict[str, Any]],
    *,
    back: str,
) -> web.Response:
    """The confirmation step for the case in the path, among the `cases` the page's read gave (404 otherwise);
    `back` is where "Nee, terug" leads."""
    cid = request.match_info["cid"]
    case = next((c for c in cases if c["id"] == cid), None)
    if case is None:
        raise NotFound("stagnation case not found")
    await guard.named_household(request, principal, household_id)
    return page(
        request,
        "afschalen_stap.html",
        {
            "case": case,
            "long": long_day,
            "action": request.path,
            "back": back,
        },
    )
