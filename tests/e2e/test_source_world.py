"""Verification against a "source world" on loopback that speaks MediaWiki, GDELT, Fact Check Tools, SearxNG
and RSS/Atom: evidence from several providers, stances and signals, a suggested verdict, and a provider
that goes down without taking the others with it."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from shared.models import Claim, Evidence, SourceDocument
from tests.support.articles import TROOPS_BODY, TROOPS_TITLE
from tests.support.services import running, service_env
from tests.support.source_world import source_world
from tests.support.waiting import all_tasks_finished, eventually


async def _feed_items(db) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(SourceDocument))


async def _post(client, external_id: str) -> dict:
    response = await client.post(
        "/v1/articles", json={"title": TROOPS_TITLE, "body": TROOPS_BODY, "source": "test", "external_id": external_id}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_claims_get_evidence_from_several_providers_and_a_suggested_verdict(client, db, settings, log_dir):
    with source_world() as world:
        env = service_env(settings, **world.settings_overrides())
        with running("relay", "worker", env=env, log_dir=log_dir) as procs:
            await eventually(lambda: _feed_items(db), what="the feeds to be polled")
            article = await _post(client, "sw-1")
            tasks = await all_tasks_finished(db, timeout=90)
        assert {t.status for t in tasks} == {"done"}, [p.log()[-3000:] for p in procs]

    claims = {c["id"]: c["text"] for c in article["claims"]}
    assert len(claims) >= 4
    async with db() as session:
        evidence = (await session.scalars(select(Evidence))).all()
        stored = {c.id: c for c in await session.scalars(select(Claim))}
    providers = defaultdict(set)
    for e in evidence:
        providers[e.claim_id].add(e.provider)
    for claim_id, text in claims.items():
        assert len(providers[claim_id]) >= 2, (text, providers[claim_id])
        assert stored[claim_id].suggested_explanation, text

    troops = next(i for i, t in claims.items() if "10,000" in t)
    mismatch = [e for e in evidence if e.claim_id == troops and _kinds(e) & {"quantity_mismatch"}]
    assert mismatch, "the page that says about 12,000 soldiers"
    detail = next(s["detail"] for s in mismatch[0].signals if s["kind"] == "quantity_mismatch")
    assert "10,000" in detail and "12,000" in detail

    rated = [e for e in evidence if e.provider == "factcheck_tools"]
    assert rated and all(e.publisher for e in rated)
    assert any("Rated:" in e.passage for e in rated)
    assert {e.stance for e in rated} & {"supports", "refutes"}
    assert all(c.state == "unverified" for c in stored.values())  # suggestions never decide


async def test_a_provider_killed_mid_run_leaves_the_others(client, db, settings, log_dir):
    with source_world(latency=0.3) as world:
        env = service_env(settings, **(world.settings_overrides() | {"FACTCHECK_FEEDS": ""}))
        with running("relay", "worker", env=env, log_dir=log_dir):
            await _post(client, "sw-2")
            await eventually(lambda: world.calls("mediawiki"), what="verification to be under way")
            world.fail("gdelt", "down")  # its server goes away while the tasks run
            tasks = await all_tasks_finished(db, timeout=90)
    assert {t.status for t in tasks} == {"done"}
    gdelt_problems = [p for t in tasks for p in t.problems if p["provider"] == "gdelt"]
    assert gdelt_problems and all(p["reason"] for p in gdelt_problems)
    async with db() as session:
        providers = set(await session.scalars(select(Evidence.provider)))
    assert {"mediawiki", "factcheck_tools"} <= providers


def _kinds(evidence) -> set[str]:
    return {s.get("kind") for s in evidence.signals}
