"""PATCH of a betrokkene with null: a field the record cannot leave empty is refused with a 422 naming it
(not a 500, nor a 503 "concurrent change"); the fields that may be empty are cleared by null."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import exc as sa_exc
from support.helpers import bearer

from eenplan.domain.errors import TemporaryFailure

NOT_NULL = ("name", "kind", "role", "relation", "organisation", "reachable_days")


def _url(demo: dict, person: dict) -> str:
    return f"/api/households/{demo['household']['id']}/betrokkenen/{person['id']}"


@pytest.mark.parametrize("field", NOT_NULL)
async def test_null_for_a_field_that_cannot_be_empty_is_a_422_naming_it(client, demo, field):
    khadija = demo["by_name"]["Khadija El Amrani"]
    before = await (await client.get(_url(demo, khadija), headers=bearer(demo["regisseur"]))).json()
    resp = await client.patch(_url(demo, khadija), headers=bearer(demo["regisseur"]), json={field: None})
    assert resp.status == 422, await resp.text()
    problem = await resp.json()
    assert [e["field"] for e in problem["errors"]] == [field]
    assert "cannot be null" in problem["errors"][0]["problem"]
    after = await (await client.get(_url(demo, khadija), headers=bearer(demo["regisseur"]))).json()
    assert after == before  # nothing written


async def test_the_fields_that_may_be_empty_are_cleared_by_null(client, demo):
    khadija = demo["by_name"]["Khadija El Amrani"]  # has a phone; a birth date is recorded first
    resp = await client.patch(_url(demo, khadija), headers=bearer(demo["regisseur"]), json={"birth_date": "1960-03-01"})
    assert resp.status == 200 and (await resp.json())["birth_date"] == "1960-03-01"
    resp = await client.patch(
        _url(demo, khadija), headers=bearer(demo["regisseur"]), json={"phone": None, "birth_date": None}
    )
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["phone"] is None and body["birth_date"] is None
    # e-mail may be null too (for someone else's address the change waits for the person's approval)
    resp = await client.patch(_url(demo, khadija), headers=bearer(demo["regisseur"]), json={"email": None})
    assert resp.status == 200, await resp.text()
    # and the non-null fields are emptied the way the record allows: "" and []
    resp = await client.patch(
        _url(demo, khadija),
        headers=bearer(demo["regisseur"]),
        json={"relation": "", "organisation": "", "reachable_days": []},
    )
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["relation"] == "" and body["organisation"] == "" and body["reachable_days"] == []


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
async def test_a_row_the_database_refuses_is_a_bug_not_a_concurrent_change(services, demo, caplog):
    """Had validation let a null through, the NOT NULL refusal is the database error itself (a 500 logged
    as a bug), not a TemporaryFailure that retries and then answers 503 "a concurrent change got there first"."""
    hh, khadija = demo["household"]["id"], demo["by_name"]["Khadija El Amrani"]
    with pytest.raises(sa_exc.IntegrityError) as caught:
        async with services.plan._uow(write=True) as uow:
            found = await uow.betrokkenen.get(hh, khadija["id"])
            assert found is not None
            await uow.betrokkenen.update(replace(found, name=None))  # type: ignore[arg-type]
            await uow.commit()
    assert not isinstance(caught.value, TemporaryFailure)
    logged = [r.getMessage() for r in caplog.records if "refused a row" in r.getMessage()]
    assert logged and "NOT NULL constraint on betrokkene.name" in logged[0] and "Khadija" not in logged[0]
