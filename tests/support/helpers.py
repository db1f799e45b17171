"""Small helpers for API tests."""

from __future__ import annotations


def bearer(person: dict) -> dict[str, str]:
    """Authorization header for a demo betrokkene."""
    return {"Authorization": f"Bearer {person['token']}"}


def plan_url(demo: dict, suffix: str = "") -> str:
    """The demo household's plan URL."""
    return f"/api/households/{demo['household']['id']}/plan{suffix}"


async def patch_plan(client, demo: dict, body: dict, *, version: int | str | None, person: dict | None = None):
    """PATCH the demo plan as the regisseur (or `person`) based on `version`."""
    headers = bearer(person or demo["regisseur"])
    if version is not None:
        headers["If-Match"] = f'"{version}"' if isinstance(version, int) else version
    return await client.patch(plan_url(demo), json=body, headers=headers)
