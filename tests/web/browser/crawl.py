"""The marker sweep shared by the browser and the page tests (issue 12 item 9): write a unique marker into every
place plan content lives, ask the one policy which markers a person may read, walk a household's pages by their
links and look for the markers in everything that comes back (HTML, PDF text, zip members, .ics).

Nothing here knows which pages exist: a walk starts at the household's start page and follows its same-origin
links under `/huishoudens/{id}` (GET only, breadth-first, bounded). Nothing here imports Playwright, so the
non-browser test (tests/web/test_pages_no_leak.py) uses it too.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import zipfile
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

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

#: how many pages (and downloads) one walk fetches at most: the household's pages are a handful, each overleg
#: and version adds a few; a walk that needs more is following something endless
MAX_FETCHES = 120
OVERLEG_AGENDA = "overleg_agenda"
OVERLEG_DECISIONS = "overleg_besluiten"
CASE_TEXT = "stagnatie_toelichting"
SIGNAL_TEXT = "signaal_toelichting"

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


@dataclass
class Expectation:
    """What the policy says one person may see of the planted markers."""

    who: str
    forbidden: dict[str, str]  # place → marker that must appear nowhere
    on_plan_page: dict[str, str]  # place → marker the plan page must show (a section the person may read)
    somewhere: dict[str, str]  # place → marker some page must show (overleg content the person may read)


async def plant(api: Api, household_id: str, people: dict[str, dict[str, Any]]) -> Planted:
    """As the regisseur (and one professional for the signal): a marker in every plan section, in an overleg's
    agenda, in a held overleg's decisions (the caller moves the clock past it: see `held_overleg`), in a
    stagnation case's text and in a safety signal's text. `people`: demo name → {"id", "token"}."""
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
    today, week = date.today().isoformat(), (date.today() + timedelta(days=7)).isoformat()
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
                        "start": today,
                        "einde": week,
                        "evaluatie": f"Evaluatie {marks['doelen']}",
                    }
                ],
            },
            {
                "titel": "Samen verder",
                "acties": [
                    {"wie": p["id"], "wat": f"Taak {marks[f'doelen:{n}']}", "start": today, "einde": week}
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
    await grant_beyond_defaults(api, planted, people)
    return planted


async def grant_beyond_defaults(api: Api, planted: Planted, people: dict[str, dict[str, Any]]) -> None:
    """Access beyond the role defaults, so the sweep follows grants and not only roles: Joost asks consent to
    read the analyse and every klant who must answer says yes; the regisseur shares the krachten en zorgen
    with Khadija by overmacht for three days."""
    base = f"/api/households/{planted.household_id}"
    joost, khadija = people["Joost Willems"], people["Khadija El Amrani"]
    until = (date.today() + timedelta(days=30)).isoformat()
    body = {"grantee_id": joost["id"], "sections": ["analyse"], "purpose": "Hulp bij de schulden", "until": until}
    asked = await api("POST", f"{base}/toestemmingen", joost["token"], body, {})
    by_id = {p["id"]: p for p in people.values()}
    for klant_id in asked["waiting_for"]:
        yes = {"besluit": "ja", "wijze": "schriftelijk"}
        await api("POST", f"{base}/toestemmingen/{asked['id']}/antwoord", by_id[klant_id]["token"], yes, {})
    planted.consent_ids.append(str(asked["id"]))
    answers = dict.fromkeys(OVERMACHT_QUESTIONS, "Oma helpt thuis en moet weten wat er speelt.")
    overmacht = {
        "recipient_id": khadija["id"],
        "vragen": answers,
        "besluit": "delen",
        "sections": ["krachten_zorgen"],
        "until": (date.today() + timedelta(days=3)).isoformat(),
    }
    await api("POST", f"{base}/overmacht", people["Sanne de Vries"]["token"], overmacht, {})


def _overleg(start: Any, agenda: str, people: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "voortgangsoverleg",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "location": "Wijkcentrum",
        "agenda": agenda,
        "invitees": [{"betrokkene_id": p["id"], "must_attend": False} for p in people.values()],
    }


async def held_overleg(api: Api, planted: Planted, people: dict[str, dict[str, Any]], now: Any) -> str:
    """An overleg (everyone invited) starting an hour after `now`, to be closed with decisions by
    `close_overleg` once the clock is past it; its id."""
    mark = planted.markers.setdefault(OVERLEG_DECISIONS, marker(OVERLEG_DECISIONS))
    token = people["Sanne de Vries"]["token"]
    body = _overleg(now + timedelta(hours=1), f"Vooraf {mark}", people)
    made = await api("POST", f"/api/households/{planted.household_id}/overleggen", token, body, {})
    planted.overleg_ids.append(str(made["id"]))
    return str(made["id"])


async def close_overleg(api: Api, planted: Planted, people: dict[str, dict[str, Any]], overleg_id: str) -> None:
    """Close the held overleg with its decisions (the marker of OVERLEG_DECISIONS)."""
    await api(
        "POST",
        f"/api/households/{planted.household_id}/overleggen/{overleg_id}/close",
        people["Sanne de Vries"]["token"],
        {"decisions": f"Besluit {planted.markers[OVERLEG_DECISIONS]}", "no_next_reason": "volgt"},
        {},
    )


async def planned_overleg(api: Api, planted: Planted, people: dict[str, dict[str, Any]], now: Any) -> str:
    """An overleg two weeks after `now`, everyone invited, with the OVERLEG_AGENDA marker in its agenda; its id."""
    mark = planted.markers.setdefault(OVERLEG_AGENDA, marker(OVERLEG_AGENDA))
    body = _overleg(now + timedelta(days=14), f"Agenda {mark}", people)
    made = await api(
        "POST", f"/api/households/{planted.household_id}/overleggen", people["Sanne de Vries"]["token"], body, {}
    )
    planted.overleg_ids.append(str(made["id"]))
    return str(made["id"])


async def date_poll(api: Api, planted: Planted, people: dict[str, dict[str, Any]], now: Any) -> str:
    """A date poll for the next overleg, everyone invited (no content of its own: its pages are walked too)."""
    start = now + timedelta(days=21)
    body = {
        "type": "voortgangsoverleg",
        "invitees": [{"betrokkene_id": p["id"], "must_attend": False} for p in people.values()],
        "options": [{"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}],
    }
    made = await api(
        "POST", f"/api/households/{planted.household_id}/polls", people["Sanne de Vries"]["token"], body, {}
    )
    planted.poll_ids.append(str(made["id"]))
    return str(made["id"])


async def expectation(services: Any, who: str, principal: Principal, planted: Planted) -> Expectation:
    """Ask the one policy (`PlanService.access` → `domain.access.decide`, and the derived rules next to it)
    which of the planted markers this person may read; everything else is forbidden everywhere."""
    access = await services.plan.access(principal, planted.household_id)
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
        else:  # pragma: no cover - a new place needs its rule here
            raise AssertionError(f"no rule for {place}")
    return Expectation(who, forbidden, plan_page, somewhere)


# ---------------------------------------------------------------------------------------------------------
# What came back, as text


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_in(html: str) -> list[str]:
    """Every `<a href>` of a page, as written."""
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def pdf_text(body: bytes) -> str:
    """The text of every page of a PDF (pypdf), plus its metadata (a title is content too)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    parts = [page.extract_text() or "" for page in reader.pages]
    parts += [str(v) for v in (reader.metadata or {}).values()]
    return "\n".join(parts)


def body_texts(content_type: str, body: bytes, name: str = "") -> list[str]:
    """What a response holds, as texts: a PDF's text, every member of a zip (PDFs in it as text), anything
    else decoded as UTF-8 (HTML, JSON, .ics)."""
    if content_type == "application/pdf" or body.startswith(b"%PDF"):
        return [pdf_text(body), body.decode("latin-1")]
    if content_type in ("application/zip", "application/x-zip-compressed") or body.startswith(b"PK\x03\x04"):
        out: list[str] = []
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for member in archive.infolist():
                out.append(member.filename)
                out += body_texts("", archive.read(member), member.filename)
        return out
    return [body.decode("utf-8", errors="replace")]


def found(markers: dict[str, str], texts: Iterable[str]) -> dict[str, str]:
    """The markers that occur in the texts (also with the texts' whitespace removed: a PDF may wrap a line
    anywhere); place → marker."""
    squeezed = [(t, re.sub(r"\s+", "", t)) for t in texts]
    return {p: m for p, m in markers.items() if any(m in t or m in s for t, s in squeezed)}


# ---------------------------------------------------------------------------------------------------------
# The walk


@dataclass
class Fetched:
    """One answer on the walk: where, status, type, and its texts (body and the headers people see)."""

    url: str
    status: int
    content_type: str
    texts: list[str]
    headers: dict[str, str]
    links: list[str] = field(default_factory=list)


@dataclass
class Walk:
    """Every answer one person's walk collected, by path (with query)."""

    prefix: str
    fetched: dict[str, Fetched] = field(default_factory=dict)

    def reached(self, page: str) -> bool:
        """Whether the page `<prefix>/<page>` answered 200."""
        hit = self.fetched.get(f"{self.prefix}/{page}")
        return hit is not None and hit.status == 200

    def summary(self) -> str:
        """Each path walked (the household's id cut off) with its status, for a readable failure."""
        return ", ".join(f"{path.removeprefix(self.prefix) or '/'} {got.status}" for path, got in self.fetched.items())

    def texts(self) -> list[str]:
        """All texts of all answers."""
        return [t for f in self.fetched.values() for t in f.texts]

    def broken(self) -> list[tuple[str, int]]:
        """Links under the prefix that did not answer (a 4xx or 5xx a person would meet by clicking)."""
        return [(path, f.status) for path, f in self.fetched.items() if f.status >= 400]


def local_path(base: str, href: str, prefix: str) -> str | None:
    """A link as a same-origin path (with query, without fragment) when it lies under `prefix`, else None."""
    absolute, _ = urldefrag(urljoin(base, href))
    parts, origin = urlsplit(absolute), urlsplit(base)
    if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
        return None
    if parts.path != prefix and not parts.path.startswith(prefix + "/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


#: fetch one path → what came back (the link hrefs of an HTML page in `links`)
Fetch = Callable[[str], Awaitable[Fetched]]


async def walk(fetch: Fetch, origin: str, prefix: str, *, limit: int = MAX_FETCHES) -> Walk:
    """Breadth-first from `prefix` over same-origin links under it, each path once, at most `limit`."""
    result = Walk(prefix)
    queue = [prefix]
    seen = {prefix}
    while queue:
        path = queue.pop(0)
        assert len(result.fetched) < limit, f"the walk found more than {limit} pages under {prefix}"
        got = await fetch(path)
        result.fetched[path] = got
        for href in got.links:
            nxt = local_path(origin + path, href, prefix)
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return result


def headers_text(headers: dict[str, str]) -> str:
    """The headers a person may see (a download's file name, a redirect's target)."""
    shown = ("content-disposition", "location", "content-type")
    return "\n".join(f"{k}: {v}" for k, v in headers.items() if k.lower() in shown)


def leak_report(expect: Expectation, walked: Walk) -> list[str]:
    """Where a forbidden marker occurs: one line per (page, place)."""
    lines = []
    for path, got in walked.fetched.items():
        for place in found(expect.forbidden, got.texts):
            lines.append(f"{expect.who}: {place} ({expect.forbidden[place]}) on {path}")
    return lines
