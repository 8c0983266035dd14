"""Redis stopped and started again in the middle of a burst of ingests, while the relay is sending tasks and
webhook deliveries and the worker is running tasks: every article is accepted, every task of every one of them
finishes (once), and every event reaches its integration. Redis comes back with its queue (append-only file),
or without it, as one that kept nothing would: then the relay's sweep of stuck rows sends them again."""

from __future__ import annotations

import asyncio
import shutil

import httpx
import pytest
from sqlalchemy import func, select

from shared.embedded import RedisServer, free_port
from shared.integrations import outbound
from shared.models import Article, Claim, VerificationTask, WebhookDelivery
from tests.support.articles import REPORT, article
from tests.support.integrations import subscribed_integration
from tests.support.services import api_server, running, service_env
from tests.support.waiting import all_tasks_finished, eventually, task_statuses

pytestmark = pytest.mark.slow

# Twenty articles in three waves: before Redis stops, while it is away, and while it comes back.
BEFORE, AWAY, RETURNING = range(0, 8), range(8, 14), range(14, 20)

# With its queue kept, nothing may wait for the relay's sweep of stuck tasks and deliveries (its default
# deadlines, 300 s and 120 s, are past the test's); with the queue lost, only that sweep can send them again,
# so it comes soon.
STUCK_SWEEP = {
    "queue-kept": {},
    "queue-lost": {
        # A run takes about a second here; six leave room on a busy machine, and one more is the sweep's.
        "FACTCHECK_TASK_TIME_LIMIT_SECONDS": "6",
        "FACTCHECK_TASK_STUCK_AFTER_SECONDS": "7",
        "FACTCHECK_WEBHOOK_TIMEOUT_SECONDS": "2",
        "FACTCHECK_WEBHOOK_STUCK_AFTER_SECONDS": "5",
    },
}


@pytest.mark.parametrize("queue", STUCK_SWEEP)
async def test_a_burst_of_ingests_loses_nothing_when_redis_stops_and_starts_again(
    queue, db, keys, settings, web, log_dir, tmp_path
):
    web.handle("/report", _slow_report)  # keeps the worker busy across the outage
    web.route("/hook", b"", status=204)
    # The integration of the `keys` fixture's integration key, which posts the articles: it hears about each.
    await subscribed_integration(db, settings, "test-integration", web.url("/hook"), ["article.processed"])
    redis_dir = tmp_path / "redis"
    own_redis = RedisServer(redis_dir, free_port()).start()  # a fresh one, ours alone
    ours = settings.model_copy(update={"redis_url": own_redis.url})
    # dramatiq_restart_delay: the worker's consumer tries Redis again after 0.5 s rather than 3 s.
    env = service_env(ours, FACTCHECK_FETCH_ALLOW_HOSTS="127.0.0.1", dramatiq_restart_delay="500", **STUCK_SWEEP[queue])
    auth = {"Authorization": f"Bearer {keys['integration']}"}
    try:
        with api_server(ours) as api, running("relay", "worker", env=env, log_dir=log_dir) as (relay, worker):
            async with httpx.AsyncClient(base_url=api, timeout=30, headers=auth) as http:
                links = [web.url("/report")]
                before = asyncio.ensure_future(_burst(http, BEFORE, links))
                await eventually(lambda: _some_task(db, "done"), what="the worker to be running tasks")
                await asyncio.to_thread(own_redis.stop)  # the first wave still arriving, the relay sending
                away = await _burst(http, AWAY, links)
                await eventually(lambda: "could not send tasks" in relay.log(), what="the relay to meet the outage")
                await eventually(lambda: "connection error" in worker.log(), what="the worker to meet the outage")
                assert set(await _task_statuses_of(db, away)) == {"pending"}  # none marked sent while away
                if queue == "queue-lost":  # it comes back empty, as one without persistence would
                    shutil.rmtree(redis_dir)
                returning, _ = await asyncio.gather(_burst(http, RETURNING, links), asyncio.to_thread(own_redis.start))
                answers = await before + away + returning
            assert [a.status_code for a in answers] == [201] * 20, [a.text for a in answers if a.status_code != 201]
            tasks = await all_tasks_finished(db, timeout=45)
            deliveries = await eventually(lambda: _all_delivered(db), what="every article.processed delivered")
    finally:
        own_redis.stop()

    claims = [claim["id"] for answer in answers for claim in answer.json()["claims"]]
    assert sorted(t.claim_id for t in tasks) == sorted(claims)  # every claim of every answer has its task
    assert {(t.status, t.attempts) for t in tasks} == {("done", 1)}  # copies sent twice ran once
    assert len(deliveries) == 20  # and every article's event reached its integration
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Article)) == 20


async def _burst(http: httpx.AsyncClient, numbers: range, links: list[str]) -> list[httpx.Response]:
    """Post these articles all at once."""
    posts = (http.post("/v1/articles", json=article(links=links, external_id=f"burst-{n}")) for n in numbers)
    return list(await asyncio.gather(*posts))


def _slow_report(ex) -> None:
    if ex.sleep(0.1):
        ex.start(200)
        ex.write(REPORT.encode())


async def _some_task(db, status: str) -> bool:
    return status in (await task_statuses(db)).values()


async def _task_statuses_of(db, answers: list[httpx.Response]) -> list[str]:
    article_ids = [answer.json()["id"] for answer in answers]
    async with db() as session:
        statuses = await session.scalars(
            select(VerificationTask.status)
            .join(Claim, Claim.id == VerificationTask.claim_id)
            .where(Claim.article_id.in_(article_ids))
        )
        return list(statuses)


async def _all_delivered(db) -> list[WebhookDelivery] | None:
    async with db() as session:
        deliveries = list(await session.scalars(select(WebhookDelivery)))
    return deliveries if deliveries and all(d.status == outbound.DELIVERED for d in deliveries) else None
