"""The node's Prometheus metrics: route templates and counts after real requests, nothing personal, own port."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from support.helpers import bearer
from support.smtp import free_port

from eenplan.bootstrap import create_app
from eenplan.config import Settings
from eenplan_crypto.gpghome import GpgHome

PLAN = "/api/households/{id}/plan"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _count(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def _scrape(port: int) -> str:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain")
        return await answer.text()


@pytest.mark.both_databases
async def test_requests_are_counted_by_route_template_on_the_metrics_port_and_nothing_personal_shows(
    aiohttp_client, settings: Settings, demo: dict, services
) -> None:
    port = free_port()
    app = create_app(dataclasses.replace(settings, metrics_url=f"http://127.0.0.1:{port}"))
    client = await aiohttp_client(app)
    before = _samples(await _scrape(port))

    regisseur = demo["regisseur"]
    opened = await client.post(
        "/api/households",
        json={"code": "H-2026-4711", "name": "Familie Verbeek", "gemeente": "Heerlen"},
        headers=bearer(regisseur),
    )
    assert opened.status == 201, await opened.text()
    second = await opened.json()
    households = [(demo["household"]["id"], regisseur["token"]), (second["household"]["id"], second["token"])]
    for household_id, token in households:
        for _ in range(3):
            answer = await client.get(
                f"/api/households/{household_id}/plan", headers={"Authorization": f"Bearer {token}"}
            )
            assert answer.status == 200, await answer.text()
    missing = await client.get(f"/nergens/{demo['household']['id']}/{regisseur['id']}")
    assert missing.status == 404
    assert (await client.get("/metrics")).status == 404  # never on the public port

    text = await _scrape(port)
    after = _samples(text)
    requests = "eenplan_http_request_duration_seconds_count"
    assert (
        _count(after, requests, route=PLAN, method="GET", status="2xx")
        - _count(before, requests, route=PLAN, method="GET", status="2xx")
        == 6
    )
    assert (
        _count(after, requests, route="/api/households", method="POST", status="2xx")
        - _count(before, requests, route="/api/households", method="POST", status="2xx")
        == 1
    )
    unmatched = _count(after, requests, route="unmatched", method="GET", status="4xx") - _count(
        before, requests, route="unmatched", method="GET", status="4xx"
    )
    assert unmatched == 2  # the unknown path and /metrics on the public port
    plan_bucket = ("eenplan_http_request_duration_seconds_bucket", PLAN, "+Inf")
    inf = [v for (n, labels), v in after.items() if n == plan_bucket[0] and ("route", PLAN) in labels
           and ("le", "+Inf") in labels and ("status", "2xx") in labels]  # fmt: skip
    assert inf == [_count(after, requests, route=PLAN, method="GET", status="2xx")]  # a well-formed histogram
    assert _count(after, "eenplan_access_log_batch_entries_count") > _count(
        before, "eenplan_access_log_batch_entries_count"
    )
    assert _count(after, "eenplan_database_figures_up") == 1
    for kind in ("plan_update", "invite", "signin_link"):
        assert ("eenplan_outbox_queued", (("kind", kind),)) in after
        assert ("eenplan_outbox_dead_letters", (("kind", kind),)) in after
    assert ("eenplan_addresses_disabled", ()) in after

    # nothing of a person or household anywhere in the exposition: ids, codes, names, addresses
    assert not UUID.search(text), UUID.search(text)
    assert "@" not in text
    personal = {"H-2026-4711", "Familie Verbeek", "Heerlen", demo["household"]["code"], demo["household"]["name"]}
    personal |= {b["name"] for b in demo["betrokkenen"]}
    assert not [p for p in personal if p and p in text]


@pytest.mark.both_databases
async def test_a_scrape_storm_reads_the_database_once_per_period(settings: Settings) -> None:
    from eenplan.storage.metrics_reads import MetricsReads
    from eenplan.web.metrics import DatabaseFigures, MetricsListener

    reads = MetricsReads(settings.effective_database_url)
    figures = DatabaseFigures(reads.read)
    listener = MetricsListener("127.0.0.1", 0, figures, on_stop=reads.close)
    await listener.start()
    try:
        for _ in range(20):
            assert "eenplan_outbox_queued" in await _scrape(listener.port)
    finally:
        await listener.stop()
    assert figures.readings == 1


async def test_gpg_calls_are_timed_and_queued(tmp_path: Path) -> None:
    from prometheus_client import REGISTRY

    home = GpgHome(tmp_path / "g")
    before = REGISTRY.get_sample_value("eenplan_gpg_call_seconds_count") or 0.0
    await home._run(lambda gpg: gpg.list_keys())
    await home.aclose()
    assert REGISTRY.get_sample_value("eenplan_gpg_call_seconds_count") == before + 1
    assert REGISTRY.get_sample_value("eenplan_gpg_queue_length") == 0


async def test_inbound_outcomes_are_counted_by_reply_class_only() -> None:
    from prometheus_client import REGISTRY

    from eenplan.web.metrics import counted_delivery

    def value(outcome: str) -> float:
        return REGISTRY.get_sample_value("eenplan_inbound_deliveries_total", {"outcome": outcome}) or 0.0

    replies = iter(["250 2.0.0 OK", "550 5.7.1 Dit adres neemt alleen antwoorden aan", "451 4.3.0 later"])

    async def deliver(_sender: str, _recipient: str, _raw: bytes) -> str:
        reply = next(replies, None)
        if reply is None:
            raise OSError("broken")
        return reply

    counted = counted_delivery(deliver)
    before = {o: value(o) for o in ("accepted", "refused", "deferred", "error")}
    for _ in range(3):
        await counted("oma@example.org", "plan-h-1@eenplan.localhost", b"")
    with pytest.raises(OSError):
        await counted("oma@example.org", "plan-h-1@eenplan.localhost", b"")
    assert {o: value(o) - before[o] for o in before} == {"accepted": 1, "refused": 1, "deferred": 1, "error": 1}


async def test_worker_and_inbound_processes_serve_their_own_metrics(settings: Settings) -> None:
    from eenplan.cli import _metrics_started

    assert await _metrics_started(settings) is None  # off unless EENPLAN_METRICS_URL is set
    listener = await _metrics_started(dataclasses.replace(settings, metrics_url="http://127.0.0.1:0"))
    assert listener is not None
    try:
        text = await _scrape(listener.port)
        assert "eenplan_gpg_queue_length" in text and "eenplan_outbox_queued" in text
    finally:
        await listener.stop()
