"""The whole path with real processes: API -> outbox -> relay -> Redis -> dramatiq worker -> evidence."""

from __future__ import annotations

from sqlalchemy import func, select, update

from shared.models import Evidence, VerificationTask
from tests.support.articles import BODY, REPORT, article
from tests.support.services import running, service_env
from tests.support.waiting import all_tasks_finished


async def test_every_task_ends_done_with_evidence_from_the_cited_page(client, db, settings, web, log_dir):
    web.route("/wendle-report", REPORT.encode())
    env = service_env(settings, FACTCHECK_FETCH_ALLOW_HOSTS="127.0.0.1")
    with running("relay", "worker", env=env, log_dir=log_dir) as procs:
        body = BODY + f"The agency published its figures at {web.url('/wendle-report')}.\n"
        posted = (await client.post("/v1/articles", json=article(body=body, external_id="e-1"))).json()
        tasks = await all_tasks_finished(db)
        assert {t.status for t in tasks} == {"done"}, [p.log()[-2000:] for p in procs]
        async with db() as session:
            evidence = (await session.scalars(select(Evidence))).all()
        assert evidence, "the cited page bears on the flood claims"
        by_claim = {e.claim_id: e for e in evidence}
        homes = next(c for c in posted["claims"] if "1,200 homes" in c["text"])
        found = by_claim[homes["id"]]
        assert found.provider == "cited_links" and found.url == web.url("/wendle-report")
        assert "1,200 homes" in found.passage and found.relevance > 0
        assert found.title == "Wendle flood: the agency's figures" and found.publisher == "Valley Courier"

        detail = (await client.get(f"/v1/claims/{homes['id']}")).json()
        assert detail["task"]["status"] == "done" and detail["evidence"][0]["url"] == found.url

        # Run every task again: the worker fetches and scores again but stores nothing twice.
        before, fetches = len(evidence), len(web.requests)
        async with db() as session, session.begin():
            await session.execute(update(VerificationTask).values(status="pending"))
        tasks = await all_tasks_finished(db)
        assert {t.attempts for t in tasks} == {2}
        assert len(web.requests) == 2 * fetches  # it did read the page again
        async with db() as session:
            assert await session.scalar(select(func.count()).select_from(Evidence)) == before


async def test_private_and_loopback_links_are_not_fetched_by_default(client, db, settings, web, log_dir):
    web.route("/secret", b"<html><body><p>1,200 homes were flooded in Harlow Vale.</p></body></html>")
    port = web.url("/").split(":")[2].split("/")[0]
    links = [
        web.url("/secret"),  # 127.0.0.1
        "http://10.0.0.1/internal",
        "http://169.254.169.254/latest/meta-data/",
        f"http://[::1]:{port}/secret",
        f"http://localhost:{port}/secret",  # a name that resolves to a loopback address
    ]
    with running("relay", "worker", env=service_env(settings), log_dir=log_dir):
        await client.post("/v1/articles", json=article(links=links, external_id="ssrf-1"))
        tasks = await all_tasks_finished(db)
    assert web.requests == []
    for task in tasks:
        assert task.status == "failed"
        assert task.last_error.startswith("no source could be read")
        reasons = {p["url"]: p["reason"] for p in task.problems}
        assert set(reasons) == set(links)
        assert all(reason.startswith("not fetched: blocked") for reason in reasons.values()), reasons


async def test_a_page_with_control_characters_still_ends_the_task(client, db, settings, web, log_dir):
    page = "The Environment Agency said more than 1,200 homes were flooded\x00 in Harlow Vale.\x07\n"
    web.route("/plain", page.encode(), content_type="text/plain; charset=utf-8")
    env = service_env(settings, FACTCHECK_FETCH_ALLOW_HOSTS="127.0.0.1")
    with running("relay", "worker", env=env, log_dir=log_dir):
        await client.post("/v1/articles", json=article(links=[web.url("/plain")], external_id="nul-1"))
        tasks = await all_tasks_finished(db)
    assert {t.status for t in tasks} == {"done"}
    async with db() as session:
        passages = list(await session.scalars(select(Evidence.passage)))
    assert passages and not any("\x00" in p or "\x07" in p for p in passages)
