"""The demo household: a family the README, `make run` and the tests can use straight away."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from .config import Settings
from .domain.access import Principal
from .domain.betrokkene import Kind, Role
from .services.container import Services
from .services.households import NewHousehold, RegisseurDetails

DEMO_CODE = "DEMO-001"


def _people(today: date) -> list[dict[str, Any]]:
    thirteen = date(today.year - 13, today.month, 1) - timedelta(days=40)
    return [
        dict(
            name="Fatima El Amrani",
            kind=Kind.KLANT,
            role=Role.OUDER,
            relation="moeder",
            email="fatima@example.org",
            phone="06 1234 5678",
            reachable_days=("ma", "wo", "vr"),
            birth_date=date(1987, 6, 2),
            organisation="",
        ),
        dict(
            name="Youssef El Amrani",
            kind=Kind.KLANT,
            role=Role.JEUGDIGE,
            relation="zoon, 13 jaar",
            email="youssef@example.org",
            phone=None,
            reachable_days=("wo", "vr"),
            birth_date=thirteen,
            organisation="",
        ),
        dict(
            name="Khadija El Amrani",
            kind=Kind.NETWERK,
            role=Role.NETWERKLID,
            relation="oma (moeder van Fatima)",
            email="khadija@example.org",
            phone="043 123 4567",
            reachable_days=("ma", "di", "wo", "do"),
            birth_date=None,
            organisation="",
        ),
        dict(
            name="Joost Willems",
            kind=Kind.PROFESSIONAL,
            role=Role.HULPVERLENER,
            relation="schuldhulpverlener",
            organisation="Schuldhulpverlening Zuid-Limburg",
            email="j.willems@shv.example.org",
            phone="043 765 4321",
            reachable_days=("di", "do"),
            birth_date=None,
        ),
        dict(
            name="Inge Bakker",
            kind=Kind.PROFESSIONAL,
            role=Role.HULPVERLENER,
            relation="jeugdhulpverlener van Youssef",
            organisation="Jeugdteam Maastricht",
            email="i.bakker@jeugdteam.example.org",
            phone="043 222 3333",
            reachable_days=("ma", "di", "do", "vr"),
            birth_date=None,
        ),
    ]


def _plan(ids: dict[str, str], today: date) -> dict[str, Any]:
    d = lambda days: (today + timedelta(days=days)).isoformat()  # noqa: E731
    return {
        "algemeen": {
            "huishouden": "Moeder Fatima en zoon Youssef (13) wonen samen; oma Khadija woont in de buurt.",
            "adres": "Voorbeeldstraat 1, Maastricht",
            "coordinatie": "Plan per versleutelde mail; overleg elke 6 weken; bellen via de regisseur.",
            "eerste_afspraken": ["Sanne is procesregisseur", "Fatima beslist wie wat ziet"],
        },
        "krachten_zorgen": [
            {
                "leefgebied": "inkomen_financien",
                "betrokkene_id": ids["Fatima El Amrani"],
                "krachten": ["Wil de schulden aanpakken"],
                "zorgen": ["Achterstand huur en energie"],
            },
            {
                "leefgebied": "onderwijs",
                "betrokkene_id": ids["Youssef El Amrani"],
                "krachten": ["Goed in wiskunde"],
                "zorgen": ["Veel verzuim sinds de zomer"],
            },
        ],
        "analyse": {
            "analyse": "Geldzorgen geven spanning thuis; Youssef trekt zich terug.",
            "gewenst_perspectief": "Rust in de financiën en Youssef weer elke dag naar school.",
        },
        "doelen": [
            {
                "id": "financien",
                "titel": "Fatima heeft overzicht over haar geld",
                "status": "open",
                "acties": [
                    {
                        "id": "budgetplan",
                        "wie": ids["Joost Willems"],
                        "wat": "Budgetplan opstellen met Fatima",
                        "start": d(0),
                        "einde": d(30),
                        "evaluatie": "Bij het volgende overleg",
                    },
                    {
                        "id": "post-ordenen",
                        "wie": ids["Khadija El Amrani"],
                        "wat": "Samen de post ordenen",
                        "start": d(0),
                        "einde": d(14),
                        "evaluatie": "Na twee weken",
                    },
                ],
            },
            {
                "id": "school",
                "titel": "Youssef gaat elke dag naar school",
                "status": "open",
                "acties": [
                    {
                        "id": "mentor",
                        "wie": ids["Inge Bakker"],
                        "wat": "Gesprek met mentor en Youssef",
                        "start": d(3),
                        "einde": d(21),
                        "evaluatie": "Verzuimcijfers na 3 weken",
                    }
                ],
            },
        ],
        "voorzieningen": [
            {"voorziening": "Schuldhulpverlening", "toelichting": "Via de gemeente", "status": "toegekend"}
        ],
        "veiligheidsplan": None,
        "afspraken": [
            {
                "wat": "Wijzigingen in het plan gaan per versleutelde mail naar iedereen",
                "wie": ids["Sanne de Vries"],
                "wanneer": "na elke wijziging",
            }
        ],
    }


async def seed_demo(settings: Settings, *, if_empty: bool = False, services: Services | None = None) -> dict[str, Any]:
    """Create the demo household (or find it) and return it with a fresh token per betrokkene.

    The demo's tokens stand for a person fully signed in, second factor included (a developer's
    shortcut: a real person's own credential comes from signing in, see `services.signin`)."""
    from .bootstrap import build_services

    own = services is None
    services = services or build_services(settings)
    try:
        today = services.plan.today()  # the services' clock, the Amsterdam day (not the UTC day)
        existing = await services.households.find_by_code(DEMO_CODE)
        if existing is None:
            if if_empty and await services.households.count() > 0:
                return {"household": None, "betrokkenen": [], "note": "database not empty; no demo created"}
            household, regisseur = await services.households.open(
                NewHousehold(DEMO_CODE, "Huishouden El Amrani (demo)", "Maastricht"),
                RegisseurDetails(
                    name="Sanne de Vries",
                    email="sanne.devries@example.org",
                    organisation="Sociaal Team Maastricht",
                    phone="043 350 0000",
                ),
            )
            me = Principal(regisseur.id, household.id)
            await services.betrokkenen.update(me, household.id, regisseur.id, {"reachable_days": ("ma", "di", "do")})
            ids = {regisseur.name: regisseur.id}
            for person in _people(today):
                created = await services.betrokkenen.add(me, household.id, person)
                ids[created.name] = created.id
            await services.plan.change(me, household.id, 1, _plan(ids, today))
            existing = household
        people = await services.households.members_for_cli(existing.id)
        return {
            "household": {"id": existing.id, "code": existing.code, "name": existing.name},
            "betrokkenen": [
                {
                    "id": b.id,
                    "name": b.name,
                    "kind": b.kind.value,
                    "role": b.role.value,
                    "email": b.email,
                    "token": services.tokens.issue(Principal(b.id, b.household_id, second_factor=True)),
                }
                for b in people
            ],
        }
    finally:
        if own:
            await services.close()


def describe(result: dict[str, Any], settings: Settings) -> str:
    """Human-readable instructions for the demo household."""
    if not result.get("household"):
        return result.get("note", "no demo household")
    hh = result["household"]
    base = settings.effective_public_url
    lines = [
        f"Demo household {hh['code']} ({hh['name']}): id {hh['id']}",
        f"Tokens (valid {settings.token_ttl_seconds // 3600} h):",
    ]
    for b in result["betrokkenen"]:
        lines.append(f"  {b['role']:<16} {b['name']:<20} {b['token']}")
    regisseur = next(b for b in result["betrokkenen"] if b["role"] == "procesregisseur")
    lines += [
        "Try:",
        f"  curl -H 'Authorization: Bearer {regisseur['token'][:16]}…' {base}/api/households/{hh['id']}/plan",
        f"  (full tokens above; `eenplan demo --json` prints them as JSON; API description: {base}/api/openapi.json)",
        f"In a browser: open {base}/ and sign in with one of these addresses; without SMTP the sign-in link",
        "is printed on the server's console (professionals then set up a second factor: passkey or app):",
    ]
    lines += [f"  {b['email']:<36} {b['name']} ({b['role']})" for b in result["betrokkenen"] if b.get("email")]
    return "\n".join(lines)
