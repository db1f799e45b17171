"""The markers of the sweep (issue 12 item 9): a unique word written into every place plan content lives — each
plan section, a person's own action and agreement, an overleg's agenda and decisions, a stagnation case's text,
a safety signal's text, a consent's purpose, an overmacht's answers — with access beyond the defaults (that
consent, that overmacht); and for one person, what the one policy lets them read of it (`PlanService.access` →
`domain.access.decide`, `scope_section` and the derived rules next to it): the rest must appear nowhere on
their walk (crawl.py).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from crawl import Walk, found

from eenplan.domain.access import (
    Level,
    Principal,
    may_list_cases,
    may_read_case_text,
    may_read_overleg_content,
    may_read_signal_text,
    scope_section,
)
from eenplan.domain.sections import SECTION_KEYS

#: (method, path, bearer token, JSON body or None, extra headers) → the decoded JSON answer (asserts < 300)
Api = Callable[[str, str, str, dict[str, Any] | None, dict[str, str]], Awaitable[Any]]

OVERLEG_AGENDA = "overleg_agenda"
OVERLEG_DECISIONS = "overleg_besluiten"
CASE_TEXT = "stagnatie_toelichting"
SIGNAL_TEXT = "signaal_toelichting"
CONSENT_PURPOSE = "toestemming_doel"
OVERMACHT_ANSWERS = "overmacht_vragen"

PERSONAS = {  # the demo people the sweep signs in as (name → e-mail address)
    "klant": ("Fatima El Amrani", "fatima@example.org"),
    "jeugdige": ("Youssef El Amrani", "youssef@example.org"),
    "netwerk": ("Khadija El Amrani", "khadija@example.org"),
    "professional": ("Joost Willems", "j.willems@shv.example.org"),
    "raiser": ("Inge Bakker", "i.bakker@jeugdteam.example.org"),
    "regisseur": ("Sanne de Vries", "sanne.devries@example.org"),
}
SIGNAL_RAISER = "Inge Bakker"
OVERMACHT_QUESTIONS = ("doel", "zonder_delen", "toestemming_vragen", "afweging", "welke_informatie")
#: the people who get a part of `doelen` and `afspraken` of their own (what Level.OWN shows them)
OWN_PARTS = ("Khadija El Amrani", "Joost Willems", "Inge Bakker")


def marker(place: str) -> str:
    """A unique word for one place: letters and digits only, so no line break, hyphenation or escaping of a
    page or a PDF can split or change it."""
    return f"MX{re.sub(r'[^A-Z0-9]', '', place.upper())[:24]}{secrets.token_hex(4).upper()}"


@dataclass
class Planted:
    """The markers written into one household: place → marker. A place is a section key, `<key>:<whose>` for
    a part of a section one person owns, or a derived place (an overleg's agenda, …)."""

    household_id: str
    markers: dict[str, str]
    sections: dict[str, Any]  # the plan's sections as stored after the markers went in (with their item ids)
    overleg_ids: list[str]
    signal_raised_by: str
    poll_ids: list[str] = field(default_factory=list)
    consent_ids: list[str] = field(default_factory=list)
    overmacht_ids: list[str] = field(default_factory=list)


@dataclass
class Expectation:
    """What the policy says one person may see of the planted markers."""

    who: str
    forbidden: dict[str, str]  # place → marker that must appear nowhere
    on_plan_page: dict[str, str]  # place → marker the plan page must show (a section the person may read)
    somewhere: dict[str, str]  # place → marker some page must show (overleg content the person may read)


async def plant(api: Api, household_id: str, people: dict[str, dict[str, Any]], today: date) -> Planted:
    """As the regisseur (and one professional for the signal): a marker in every plan section and in a part
    of `doelen` and `afspraken` each of OWN_PARTS owns, in a stagnation case's text and a safety signal's text;
    then the consent and the overmacht (`grant_beyond_defaults`). `people`: demo name → {"id", "token"}; `today`:
    the services' day (Amsterdam) the actions, the consent and the overmacht count from."""
    sanne = people["Sanne de Vries"]
    token = sanne["token"]
    marks = {key: marker(key) for key in (*SECTION_KEYS, CASE_TEXT, SIGNAL_TEXT)}
    base = f"/api/households/{household_id}"
    current = await api("GET", f"{base}/plan", token, None, {})
    sections = current["sections"]
    owner = sanne["id"]  # owned by the regisseur: a person who sees only their own part never owns these
    others = {n: p for n, p in people.items() if n in OWN_PARTS}
    for name in others:  # a part each of them owns: shown to them (and to whole readers) only
        marks[f"doelen:{name}"] = marker(f"doelen {name.split()[0]}")
        marks[f"afspraken:{name}"] = marker(f"afspraken {name.split()[0]}")
    start, week = today.isoformat(), (today + timedelta(days=7)).isoformat()
    change = {
        "algemeen": {**sections["algemeen"], "huishouden": f"{sections['algemeen']['huishouden']} {marks['algemeen']}"},
        "krachten_zorgen": [
            *sections["krachten_zorgen"],
            {"leefgebied": "overig", "krachten": [f"Kracht {marks['krachten_zorgen']}"], "zorgen": []},
        ],
        "analyse": {**sections["analyse"], "analyse": f"Analyse {marks['analyse']}"},
        "doelen": [
            *sections["doelen"],
            {
                "titel": f"Doel {marks['doelen']}",
                "acties": [
                    {
                        "wie": owner,
                        "wat": f"Actie {marks['doelen']}",
                        "start": start,
                        "einde": week,
                        "evaluatie": f"Evaluatie {marks['doelen']}",
                    }
                ],
            },
            {
                "titel": "Samen verder",
                "acties": [
                    {"wie": p["id"], "wat": f"Taak {marks[f'doelen:{n}']}", "start": start, "einde": week}
                    for n, p in others.items()
                ],
            },
        ],
        "voorzieningen": [
            *sections["voorzieningen"],
            {"voorziening": f"Voorziening {marks['voorzieningen']}", "toelichting": marks["voorzieningen"]},
        ],
        "veiligheidsplan": {"zorgen": [f"Zorg {marks['veiligheidsplan']}"], "doelencheck": marks["veiligheidsplan"]},
        "afspraken": [
            *sections["afspraken"],
            {"wat": f"Afspraak {marks['afspraken']}", "wie": owner},
            *({"wat": f"Afspraak {marks[f'afspraken:{n}']}", "wie": p["id"]} for n, p in others.items()),
        ],
    }
    changed = await api("PATCH", f"{base}/plan", token, change, {"If-Match": f'"{current["version"]}"'})
    await api(
        "POST",
        f"{base}/stagnatie",
        token,
        {
            "doel_id": "school",
            "actie_id": "mentor",
            "betrokkene_id": people["Inge Bakker"]["id"],
            "toelichting": f"Geen gesprek {marks[CASE_TEXT]}",
        },
        {},
    )
    raiser = people[SIGNAL_RAISER]
    await api(
        "POST",
        f"{base}/veiligheid/signalen",
        raiser["token"],
        {"soort": "onveiligheid", "toelichting": f"Gezien {marks[SIGNAL_TEXT]}"},
        {},
    )
    planted = Planted(household_id, marks, changed["sections"], [], raiser["id"])
    await grant_beyond_defaults(api, planted, people, today)
    return planted


async def grant_beyond_defaults(api: Api, planted: Planted, people: dict[str, dict[str, Any]], today: date) -> None:
    """Access beyond the role defaults, so the sweep follows grants and not only roles: Joost asks consent to
    read the analyse and every klant who must answer says yes; the regisseur shares the krachten en zorgen
    with Khadija by overmacht for three days."""
    base = f"/api/households/{planted.household_id}"
    joost, khadija = people["Joost Willems"], people["Khadija El Amrani"]
    until = (today + timedelta(days=30)).isoformat()
    purpose = marker(CONSENT_PURPOSE)
    planted.markers[CONSENT_PURPOSE] = purpose
    body = {"grantee_id": joost["id"], "sections": ["analyse"], "purpose": f"Schulden {purpose}", "until": until}
    asked = await api("POST", f"{base}/toestemmingen", joost["token"], body, {})
    by_id = {p["id"]: p for p in people.values()}
    for klant_id in asked["waiting_for"]:
        yes = {"besluit": "ja", "wijze": "schriftelijk"}
        await api("POST", f"{base}/toestemmingen/{asked['id']}/antwoord", by_id[klant_id]["token"], yes, {})
    planted.consent_ids.append(str(asked["id"]))
    planted.markers[OVERMACHT_ANSWERS] = marker(OVERMACHT_ANSWERS)
    answers = dict.fromkeys(OVERMACHT_QUESTIONS, f"Oma helpt thuis {planted.markers[OVERMACHT_ANSWERS]}")
    overmacht = {
        "recipient_id": khadija["id"],
        "vragen": answers,
        "besluit": "delen",
        "sections": ["krachten_zorgen"],
        "until": (today + timedelta(days=3)).isoformat(),
    }
    made = await api("POST", f"{base}/overmacht", people["Sanne de Vries"]["token"], overmacht, {})
    planted.overmacht_ids.append(str(made["id"]))


def _overleg(start: Any, agenda: str, people: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "voortgangsoverleg",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "location": "Wijkcentrum",
        "agenda": agenda,
        "invitees": [{"betrokkene_id": p["id"], "must_attend": False} for p in people.values()],
    }


async def plant_meetings(api: Api, planted: Planted, people: dict[str, dict[str, Any]], clock: Any) -> None:
    """As the regisseur, everyone invited: an overleg an hour from now, held (the clock moves two hours on)
    and closed with the OVERLEG_DECISIONS marker; one two weeks on with the OVERLEG_AGENDA marker in its
    agenda; and a date poll (no content of its own: its pages are walked too)."""
    base, token = f"/api/households/{planted.household_id}", people["Sanne de Vries"]["token"]
    decisions = planted.markers[OVERLEG_DECISIONS] = marker(OVERLEG_DECISIONS)
    agenda = planted.markers[OVERLEG_AGENDA] = marker(OVERLEG_AGENDA)
    held = await api(
        "POST", f"{base}/overleggen", token, _overleg(clock.now + timedelta(hours=1), "Vooraf", people), {}
    )
    clock.advance(timedelta(hours=2))
    closing = {"decisions": f"Besluit {decisions}", "no_next_reason": "volgt"}
    await api("POST", f"{base}/overleggen/{held['id']}/close", token, closing, {})
    body = _overleg(clock.now + timedelta(days=14), f"Agenda {agenda}", people)
    planned = await api("POST", f"{base}/overleggen", token, body, {})
    planted.overleg_ids += [str(held["id"]), str(planned["id"])]
    start = clock.now + timedelta(days=21)
    poll = {
        "type": "voortgangsoverleg",
        "invitees": body["invitees"],
        "options": [{"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}],
    }
    planted.poll_ids.append(str((await api("POST", f"{base}/polls", token, poll, {}))["id"]))


async def expectation(services: Any, who: str, principal: Principal, planted: Planted) -> Expectation:
    """Ask the one policy (`PlanService.access` → `domain.access.decide`, and the derived rules next to it)
    which of the planted markers this person may read; everything else is forbidden everywhere. Consents and
    overmacht records are not plan content: the consent service says which ones the person may see."""
    access = await services.plan.access(principal, planted.household_id)
    consents = {v.consent.id for v in await services.consent.list(principal, planted.household_id)}
    records = {r.id for r in await services.consent.overmacht(principal, planted.household_id)}
    forbidden: dict[str, str] = {}
    plan_page: dict[str, str] = {}
    somewhere: dict[str, str] = {}
    shown = {  # each section as the policy cuts it for this person (scope_section: whole, own part, nothing)
        key: json.dumps(scope_section(key, value, access.level(key), principal.betrokkene_id), ensure_ascii=False)
        for key, value in planted.sections.items()
        if access.level(key) > Level.NONE
    }
    for place, mark in planted.markers.items():
        key = place.split(":")[0]
        if key in SECTION_KEYS:
            (plan_page if mark in shown.get(key, "") else forbidden)[place] = mark
        elif place in (OVERLEG_AGENDA, OVERLEG_DECISIONS):  # everyone is invited: content by the rule
            (somewhere if may_read_overleg_content(access) else forbidden)[place] = mark
        elif place == CASE_TEXT:
            if not (may_list_cases(access.actor) and may_read_case_text(access)):
                forbidden[place] = mark
        elif place == SIGNAL_TEXT:
            if not may_read_signal_text(access.actor, planted.signal_raised_by):
                forbidden[place] = mark
        elif place == CONSENT_PURPOSE:
            if not set(planted.consent_ids) <= consents:
                forbidden[place] = mark
        elif place == OVERMACHT_ANSWERS:
            if not set(planted.overmacht_ids) <= records:
                forbidden[place] = mark
        else:  # pragma: no cover - a new place needs its rule here
            raise AssertionError(f"no rule for {place}")
    return Expectation(who, forbidden, plan_page, somewhere)


async def plant_all(api: Api, household_id: str, people: dict[str, dict[str, Any]], clock: Any) -> Planted:
    """Everything the sweep needs, on the server's `clock` (a MovableClock, moved two hours on): Youssef made
    14 (the demo has him 13; at 12-15 he and his mother both answer for him), the markers (`plant`) and the
    overleggen (`plant_meetings`)."""
    today = clock.today()
    born = date(today.year - 14, today.month, 1) - timedelta(days=40)
    youssef = people["Youssef El Amrani"]
    path = f"/api/households/{household_id}/betrokkenen/{youssef['id']}"
    changed = await api("PATCH", path, people["Sanne de Vries"]["token"], {"birth_date": born.isoformat()}, {})
    assert changed["birth_date"] == born.isoformat()
    planted = await plant(api, household_id, people, today)
    await plant_meetings(api, planted, people, clock)
    return planted


def leak_report(expect: Expectation, walked: Walk) -> list[str]:
    """Where a forbidden marker occurs: one line per (page, place)."""
    return [
        f"{expect.who}: {place} ({expect.forbidden[place]}) on {path}"
        for path, got in walked.fetched.items()
        for place in found(expect.forbidden, got.texts)
    ]


def check_sweep(expect: Expectation, walked: Walk) -> None:
    """The sweep's verdict, failing either way: no forbidden marker anywhere; the plan and overleggen pages
    reached (never vacuous); every marker the person may read on the plan page and in the plan's PDF; the
    overleg content they may read on some page; and no link that leads to an error."""
    leaks = leak_report(expect, walked)
    assert not leaks, "\n".join(leaks)
    assert walked.reached("plan") and walked.reached("overleggen"), walked.summary()
    pages = {
        "the plan page": walked.fetched[f"{walked.prefix}/plan"],
        "the plan's PDF": walked.fetched.get(f"{walked.prefix}/plan.pdf"),
    }
    for what, got in pages.items():
        if got is not None:  # the PDF: when the plan page offers it
            missing = set(expect.on_plan_page) - set(found(expect.on_plan_page, got.texts))
            assert not missing, f"{what} does not show {sorted(missing)} to {expect.who}"
    missing = set(expect.somewhere) - set(found(expect.somewhere, walked.texts()))
    assert not missing, f"no page shows {sorted(missing)} to {expect.who}"
    assert not walked.broken(), walked.broken()
