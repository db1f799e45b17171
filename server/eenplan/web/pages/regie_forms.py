"""The forms of the regisseur's pages: dates, times and slots read from a posted form (a wrong value is a
ValidationFailed naming the field, as the services' own refusals), the caller and the household's names."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiMapping

from ...domain.access import Principal
from ...domain.errors import ValidationFailed
from ..keys import services
from . import guard
from .forms import texts as texts  # re-exported: the stagnatie and aanspreekpunt pages read it here

ZONE = ZoneInfo("Europe/Amsterdam")


def day_of(value: str | None, field: str) -> date | None:
    """A date input's value (YYYY-MM-DD); empty is None; anything else a ValidationFailed on `field`."""
    if not (value or "").strip():
        return None
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationFailed.one(field, "is not a date") from None


def moment_of(day: date, value: str | None, field: str) -> datetime:
    """A time input (HH:MM) on `day`, in Dutch local time."""
    try:
        return datetime.combine(day, time.fromisoformat((value or "").strip()), ZONE)
    except ValueError:
        raise ValidationFailed.one(field, "is not a time") from None


def slot_of(value: str) -> tuple[datetime, datetime]:
    """A slot checkbox's value: "start|end" in ISO 8601."""
    try:
        start, end = value.split("|", 1)
        return datetime.fromisoformat(start), datetime.fromisoformat(end)
    except ValueError:
        raise ValidationFailed.one("options", "is not a slot") from None


#: the household in the path and the caller there (the one preamble; also imported by the stagnatie pages)
principal_of = guard.household


async def names_of(request: web.Request, principal: Principal, household_id: str) -> dict[str, str]:
    """Names by betrokkene id (the contact list every betrokkene may see)."""
    return {b.id: b.name for b in await services(request).betrokkenen.list(principal, household_id)}


def must_of(form: MultiMapping[str], people: dict[str, str]) -> tuple[list[str], list[str]]:
    """Who must come and who may (the rest of the betrokkenen), from the form's `moet` boxes."""
    must = [b for b in form.getall("moet", []) if b in people]
    return must, [b for b in people if b not in must]


def form_times(start: datetime, end: datetime) -> tuple[str, str, str]:
    """A proposed time as the reschedule form's date and two times (Dutch local time)."""
    start, end = start.astimezone(ZONE), end.astimezone(ZONE)
    return start.date().isoformat(), start.strftime("%H:%M"), end.strftime("%H:%M")
