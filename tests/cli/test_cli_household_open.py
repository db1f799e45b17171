"""`eenplan household open`: an empty database gets its first regisseur, who then signs in with her address."""

from __future__ import annotations

import dataclasses
import os

import pytest
from support.cli import run_cli
from support.pagekit import sign_in

from eenplan.config import Settings

SANNE = "sanne.devries@gemeente.example.org"
GOOD = {
    "--code": "h-2026-001",
    "--name": "Huishouden 2026-001",
    "--gemeente": "Maastricht",
    "--regisseur-email": "Sanne.deVries@Gemeente.example.org",
    "--regisseur-name": "Sanne de Vries",
    "--organisatie": "Sociaal Team Maastricht",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor here: a professional's factor has its own tests; this is about reaching the household."""
    return dataclasses.replace(settings, second_factor="off")


def _env(settings: Settings) -> dict[str, str]:
    """The test's settings as the operator's environment."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "EENPLAN_DATA_DIR": str(settings.data_dir),
        "EENPLAN_DATABASE_URL": settings.database_url,
        "EENPLAN_SECRET_KEY": settings.secret_key,
        "EENPLAN_KEY_ENCRYPTION_KEY": settings.key_encryption_key,
        "EENPLAN_SECOND_FACTOR": settings.second_factor,
    }


def _open(settings: Settings, **changed: str):
    flags = {**GOOD, **{"--" + k.replace("_", "-"): v for k, v in changed.items()}}
    return run_cli("household", "open", *[part for pair in flags.items() for part in pair], env=_env(settings))


@pytest.mark.both_databases
async def test_the_first_regisseur_of_an_empty_database_signs_in_and_sees_her_household(
    client, services, settings, capsys
):
    assert await services.households.count() == 0
    opened = _open(settings)
    assert opened.returncode == 0, opened.stderr
    household_id = opened.stdout.strip()
    assert SANNE in opened.stderr and "sign-in link" in opened.stderr
    household = await services.households.find_by_code("H-2026-001")
    assert household is not None and household.id == household_id

    await sign_in(client, capsys, SANNE)
    page = await client.get(f"/huishoudens/{household_id}")
    assert page.status == 200 and "Huishouden 2026-001" in await page.text()
    (regisseur,) = await services.households.members_for_cli(household_id)
    assert (regisseur.role.value, regisseur.email, regisseur.organisation) == (
        "procesregisseur",
        SANNE,
        "Sociaal Team Maastricht",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("code", "h"),
        ("code", "Familie de Vries"),
        ("name", "Huis\u0085houden"),
        ("name", "   "),
        ("gemeente", "Maas\u202etricht"),
        ("regisseur_name", "Sanne\nde Vries"),
        ("regisseur_email", "sanne at gemeente"),
        ("organisatie", "x" * 201),
    ],
)
async def test_bad_input_names_the_flag_and_writes_nothing(services, settings, field, value):
    refused = _open(settings, **{field: value})
    assert refused.returncode == 2, (refused.stdout, refused.stderr)
    assert "--" + field.replace("_", "-") in refused.stderr
    assert refused.stdout == ""
    assert await services.households.count() == 0


async def test_a_code_already_in_use_is_refused_and_the_first_household_stays_alone(services, settings):
    assert _open(settings).returncode == 0
    again = _open(settings, name="Ander huishouden", regisseur_email="iemand@example.org")
    assert again.returncode == 2 and "code" in again.stderr and "already used" in again.stderr
    assert await services.households.count() == 1
