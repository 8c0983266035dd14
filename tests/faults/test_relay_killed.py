"""The relay killed after it sent a batch to the queue and before it marked the batch sent: the batch is sent
again, and the worker acts on each row once (one run per task, one set of evidence per claim; one POST per
webhook delivery).

The relay is stopped at exactly that point without a hook in its code: the test holds the table in SHARE
mode, which lets the relay lock its rows (FOR UPDATE) and send their messages, but holds back its UPDATE.
"""

from __future__ import annotations

import pytest
import redis
from sqlalchemy import func, select, text

from shared.integrations import outbound
from shared.models import Evidence, WebhookDelivery
from shared.queue import VERIFY_QUEUE, WEBHOOKS_QUEUE
from tests.support.articles import REPORT, article
from tests.support.integrations import send_article, subscribed_integration
from tests.support.services import ServiceProcess, running, service_env
from tests.support.waiting import all_tasks_finished, eventually, task_statuses

pytestmark = pytest.mark.slow

# One worker thread takes the messages in order: each row's second copy comes after its first has been acted on.
ONE_THREAD = {"FACTCHECK_WORKER_THREADS": "1", "FACTCHECK_FETCH_ALLOW_HOSTS": "127.0.0.1"}
SENDER = "Desk CMS"


async def test_a_relay_killed_between_sending_and_marking_tasks_leaves_one_run_per_task(
    client, db, engine, settings, web, log_dir
):
    web.route("/report", REPORT.encode())
    env = service_env(settings, **ONE_THREAD)
    posted = await client.post("/v1/articles", json=article(links=[web.url("/report")], external_id="relay-kill"))
    assert posted.status_code == 201, posted.text
    claims = len(posted.json()["claims"])
    assert claims > 1

    await _kill_the_relay_before_it_marks(engine, "verification_task", VERIFY_QUEUE, settings, env, log_dir, claims)
    assert set((await task_statuses(db)).values()) == {"pending"}  # nothing marked queued

    with running("relay", env=env, log_dir=log_dir):
        await _eventually_waiting(settings, VERIFY_QUEUE, 2 * claims, what="the tasks sent again")
        with running("worker", env=env, log_dir=log_dir):
            tasks = await all_tasks_finished(db, timeout=30)
            await _eventually_waiting(settings, VERIFY_QUEUE, 0, what="every message consumed")

    assert [(t.status, t.attempts) for t in tasks] == [("done", 1)] * claims  # two messages, one run each
    assert len([r for r in web.requests if r.path == "/report"]) == claims  # the page read once per task
    async with db() as session:
        per_source = (
            await session.execute(
                select(Evidence.claim_id, func.count()).group_by(Evidence.claim_id, Evidence.provider, Evidence.url)
            )
        ).all()
    assert per_source and all(count == 1 for _claim, count in per_source)


async def test_a_relay_killed_between_sending_and_marking_deliveries_posts_each_once(
    db, engine, settings, web, log_dir
):
    web.route("/hook", b"", status=204)
    env = service_env(settings, **ONE_THREAD)
    await subscribed_integration(db, settings, SENDER, web.url("/hook"), ["article.processed"])
    for n in range(3):
        await send_article(db, settings, SENDER, f"relay-kill-{n}")  # one article.processed delivery each

    await _kill_the_relay_before_it_marks(engine, "webhook_delivery", WEBHOOKS_QUEUE, settings, env, log_dir, 3)
    assert {d.status for d in await _deliveries(db)} == {outbound.PENDING}  # nothing marked sending

    with running("relay", env=env, log_dir=log_dir):
        await _eventually_waiting(settings, WEBHOOKS_QUEUE, 2 * 3, what="the deliveries sent again")
        with running("worker", env=env, log_dir=log_dir):
            await eventually(lambda: _all_delivered(db), what="every delivery delivered")
            await _eventually_waiting(settings, WEBHOOKS_QUEUE, 0, what="every message consumed")

    deliveries = await _deliveries(db)
    assert [(d.status, d.attempts) for d in deliveries] == [(outbound.DELIVERED, 1)] * 3  # two messages, one try
    posted_ids = [r.headers["webhook-id"] for r in web.requests if r.path == "/hook"]
    assert sorted(posted_ids) == sorted(f"msg_{d.event_id}" for d in deliveries)  # each event POSTed once


async def _kill_the_relay_before_it_marks(engine, table: str, queue: str, settings, env, log_dir, rows: int) -> None:
    """Start a relay, let it send `rows` messages for `table`, SIGKILL it while its UPDATE waits; return once its
    database session has ended (it runs the UPDATE when let go, finds its client gone and rolls back)."""
    async with engine.connect() as holder:
        await holder.execute(text(f"LOCK TABLE {table} IN SHARE MODE"))
        relay = ServiceProcess("relay", env, log_dir).start()
        try:
            backend = await eventually(lambda: _waiting_to_mark(engine, table), what=f"the relay to mark {table}")
            assert _messages_waiting(settings.redis_url, queue) == rows  # sent, every one
        finally:
            relay.kill()
        await holder.rollback()
    await eventually(lambda: _gone(engine, backend), what="the killed relay's database session to end")


async def _waiting_to_mark(engine, table: str) -> int | None:
    """The pid of the database session whose UPDATE of `table` (the relay's marking) waits for a lock."""
    async with engine.connect() as conn:
        return await conn.scalar(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                " AND query LIKE :update"
            ),
            {"update": f"UPDATE {table} SET status%"},
        )


async def _gone(engine, pid: int) -> bool:
    async with engine.connect() as conn:
        return not await conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})


def _messages_waiting(redis_url: str, queue: str) -> int:
    """Messages on the queue not yet fetched by a worker (dramatiq keeps their ids in a list)."""
    client = redis.Redis.from_url(redis_url)
    try:
        return client.llen(f"dramatiq:{queue}")
    finally:
        client.close()


async def _eventually_waiting(settings, queue: str, count: int, *, what: str) -> None:
    await eventually(lambda: _messages_waiting(settings.redis_url, queue) == count, what=what)


async def _deliveries(db) -> list[WebhookDelivery]:
    async with db() as session:
        return list(await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


async def _all_delivered(db) -> bool:
    deliveries = await _deliveries(db)
    return bool(deliveries) and all(d.status == outbound.DELIVERED for d in deliveries)
