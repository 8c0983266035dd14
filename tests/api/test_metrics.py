"""`GET /metrics`: Prometheus' text format, requests by route template, and the work's state from the database."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from tests.support.articles import article


async def test_metrics_count_requests_by_route_and_read_the_work_from_the_database(api_url, client, db):
    created = (await client.post("/v1/articles", json=article(external_id="m-1"))).json()
    await client.get(f"/v1/claims/{created['claims'][0]['id']}")
    async with httpx.AsyncClient(base_url=api_url) as http:  # no key needed, like /healthz
        answer = await http.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(answer.text)}
    routes = {s.labels.get("route") for s in families["factcheck_http_request_seconds"].samples}
    assert "/v1/claims/{claim_id}" in routes and "/v1/articles" in routes  # templates, never ids
    claims = {s.labels["state"]: s.value for s in families["factcheck_claims"].samples}
    assert claims == {"unverified": len(created["claims"])}
    tasks = {s.labels["status"]: s.value for s in families["factcheck_tasks"].samples}
    assert sum(tasks.values()) == len(created["claims"])
    assert [s.value for s in families["factcheck_articles"].samples] == [1]
    assert families["factcheck_oldest_waiting_task_seconds"].samples[0].value >= 0

    # A claim decided and its task done: the figures follow (they are read from the tallies the database keeps).
    async with db() as session, session.begin():
        first = {"c": created["claims"][0]["id"]}
        await session.execute(text("UPDATE claim SET state = 'disputed' WHERE id = :c"), first)
        await session.execute(text("UPDATE verification_task SET status = 'done' WHERE claim_id = :c"), first)
    async with httpx.AsyncClient(base_url=api_url) as http:
        families = {f.name: f for f in text_string_to_metric_families((await http.get("/metrics")).text)}
    claims = {s.labels["state"]: s.value for s in families["factcheck_claims"].samples}
    assert claims == {"unverified": len(created["claims"]) - 1, "disputed": 1}
    tasks = {s.labels["status"]: s.value for s in families["factcheck_tasks"].samples}
    assert tasks["done"] == 1 and sum(tasks.values()) == len(created["claims"])
