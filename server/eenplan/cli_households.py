"""`eenplan household open`: the operator opens a household with its procesregisseur.

An empty production database has no regisseur, and only a regisseur opens households over the API or the pages;
this command gives it the first one, through the very use case the API uses.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from .config import Settings
from .domain.errors import ValidationFailed
from .services.households import NewHousehold, RegisseurDetails


def _household_fields(args: argparse.Namespace) -> tuple[NewHousehold, RegisseurDetails]:
    """The household and its regisseur from the flags, checked by the API's own rules (a code as `domain.household`
    wants it, names through `domain.names`, the address through `domain.addresses`); ValidationFailed names the
    flag before anything is opened."""
    from .domain.addresses import address_problem
    from .domain.household import check_code
    from .domain.names import check_name

    for flag in ("code", "name", "gemeente", "regisseur_email", "regisseur_name", "organisatie"):
        try:  # bytes that are not UTF-8 arrive as lone surrogates (surrogateescape); no database takes them
            getattr(args, flag).encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationFailed.one("--" + flag.replace("_", "-"), "must be valid UTF-8 text") from None
    code = args.code.strip().upper()
    try:
        check_code(code)
    except ValidationFailed:
        raise ValidationFailed.one(
            "--code", "must be 3–32 upper-case letters, digits or dashes (e.g. H-2026-001)"
        ) from None
    email = args.regisseur_email.strip()
    problem = address_problem(email)
    if problem:
        raise ValidationFailed.one("--regisseur-email", problem)
    household = NewHousehold(code, check_name(args.name, "--name"), check_name(args.gemeente, "--gemeente"))
    organisation = check_name(args.organisatie, "--organisatie", max_chars=200) if args.organisatie.strip() else ""
    regisseur = RegisseurDetails(
        name=check_name(args.regisseur_name, "--regisseur-name"), email=email.lower(), organisation=organisation
    )
    return household, regisseur


def household_open(settings: Settings, args: argparse.Namespace) -> int:
    """Open a household with its procesregisseur (operator only): how an empty database gets its first regisseur,
    who then signs in with her address and opens further households herself. The same use case as the API's
    (`HouseholdService.open`, one transaction)."""
    from .bootstrap import build_services

    household_data, regisseur_data = _household_fields(args)

    async def run() -> tuple[str, str]:
        services = build_services(settings)
        try:
            household, regisseur = await services.households.open(household_data, regisseur_data)
            return household.id, str(regisseur.email)
        finally:
            await services.close()

    household_id, email = asyncio.run(run())
    print(household_id)
    print(
        f"eenplan: household {household_data.code} is open; its regisseur signs in with {email}: "
        f"ask for a sign-in link on {settings.effective_public_url}/",
        file=sys.stderr,
    )
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`eenplan household open …`."""
    hh = sub.add_parser("household", help="households (operator only)")
    hh_sub = hh.add_subparsers(dest="household_command", required=True)
    ho = hh_sub.add_parser(
        "open", help="open a household with its procesregisseur (the first regisseur of an empty database)"
    )
    ho.add_argument("--code", required=True, help="neutral household code, e.g. H-2026-001 (never a family name)")
    ho.add_argument("--name", required=True, help="the household's name")
    ho.add_argument("--gemeente", required=True)
    ho.add_argument("--regisseur-email", required=True, help="the address the regisseur signs in with")
    ho.add_argument("--regisseur-name", required=True)
    ho.add_argument("--organisatie", default="", help="the regisseur's organisation")
    ho.set_defaults(run=household_open)
