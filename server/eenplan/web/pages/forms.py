"""A household page's form post in one shape: the CSRF check, then who posts (`guard.household`), then the
service call; a refusal (`ValidationFailed`) comes back as the page again with the field named (422), a
success as a redirect to a GET page (303, PRG).

The order is the rule: a stale or forged form is refused (403) before anything else is read, and nothing of
the post is done when the service refuses it (one use case, one transaction).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import MultiDict, MultiDictProxy, MultiMapping

from ...domain.access import Principal
from ...domain.errors import ValidationFailed
from . import csrf, guard
from .render import redirect

RawForm = MultiDictProxy[str | bytes | bytearray | web.FileField]


@dataclass(frozen=True)
class Posted:
    """A checked form post by a betrokkene of the household in the path."""

    request: web.Request
    household_id: str
    principal: Principal
    form: MultiDict[str]  # the text fields (a file where text belongs is simply not there)
    raw: RawForm  # everything posted, files too

    def text(self, name: str) -> str:
        """One text field's value, '' when absent (a file in its place counts as absent)."""
        return self.form.get(name, "")


def texts(form: MultiMapping[Any]) -> MultiDict[str]:
    """A posted form's text fields."""
    return MultiDict((k, v) for k, v in form.items() if isinstance(v, str))


async def posted(request: web.Request) -> Posted:
    """The posted form after its CSRF token was checked, and who posted it in the path's household."""
    raw = await csrf.checked_form(request)
    household_id, principal = await guard.household(request)
    return Posted(request, household_id, principal, texts(raw), raw)


Action = Callable[[Posted], Awaitable[str]]
Refused = Callable[[Posted, ValidationFailed], Awaitable[web.StreamResponse]]


async def handle(request: web.Request, action: Action, refused: Refused | None = None) -> web.StreamResponse:
    """Run one form post: `action` calls the service and answers where to go next (303 there); a
    `ValidationFailed` answers `refused(post, err)` — the page again with the field's text, 422 — or, without
    `refused`, goes on to the error pages like any other refusal."""
    post = await posted(request)
    try:
        target = await action(post)
    except ValidationFailed as err:
        if refused is None:
            raise
        return await refused(post, err)
    raise redirect(target)
