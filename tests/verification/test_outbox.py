"""The relay hands pending tasks to Redis and marks them queued; stuck tasks are sent again."""

from __future__ import annotations

import asyncio

import redis
from sqlalchemy import func, select, text, update

from services.worker.relay import Relay
from shared.models import VerificationTask
from shared.queue import VERIFY_QUEUE
from tests.support.articles import article


def queue_length(settings) -> int:
    return redis.Redis.from_url(settings.redis_url).llen(f"dramatiq:{VERIFY_QUEUE}")


async def statuses(db) -> list[str]:
    async with db() as session:
        return list(await session.scalars(select(VerificationTask.status).order_by(VerificationTask.id)))


async def test_pending_tasks_are_sent_once_and_marked_queued(client, db, settings):
    claims = (await client.post("/v1/articles", json=article(external_id="o-1"))).json()["claims"]
    assert await statuses(db) == ["pending"] * len(claims)
    relay = Relay(settings)
    try:
        assert await relay.relay_once() == len(claims)
        assert await statuses(db) == ["queued"] * len(claims)
        assert queue_length(settings) == len(claims)
        assert await relay.relay_once() == 0  # nothing is sent twice
        assert queue_length(settings) == len(claims)
    finally:
        relay.broker.close()
        await relay.engine.dispose()


async def test_tasks_stuck_past_the_deadline_are_sent_again(client, db, settings):
    await client.post("/v1/articles", json=article(external_id="o-2"))
    async with db() as session, session.begin():
        ids = list(await session.scalars(select(VerificationTask.id).order_by(VerificationTask.id)))
        await session.execute(update(VerificationTask).values(status="done"))
        await session.execute(
            update(VerificationTask)
            .where(VerificationTask.id.in_(ids[:2]))
            .values(status="running", updated_at=func.now() - text("interval '10 minutes'"))
        )
        await session.execute(update(VerificationTask).where(VerificationTask.id == ids[2]).values(status="running"))
    relay = Relay(settings.model_copy(update={"task_stuck_after_seconds": 300}))
    try:
        assert await relay.relay_once() == 2  # the two stuck ones; not the one running for a moment
        assert queue_length(settings) == 2
    finally:
        relay.broker.close()
        await relay.engine.dispose()


async def test_several_relays_send_each_task_once(client, db, settings):
    claims = (await client.post("/v1/articles", json=article(external_id="o-3"))).json()["claims"]
    relays = [Relay(settings) for _ in range(3)]
    try:
        sent = await asyncio.gather(*(relay.relay_once() for relay in relays))
        assert sum(sent) == len(claims)
        assert queue_length(settings) == len(claims)
        assert await statuses(db) == ["queued"] * len(claims)
    finally:
        for relay in relays:
            relay.broker.close()
            await relay.engine.dispose()


async def test_the_relay_folds_the_report_tallies_once_a_minute(client, db, settings):
    """Each ingest adds its own rows to the daily tallies (no two wait for one row); the relay's sweep folds them
    into one row a day, outlet and state, at most once a minute, and the sums stay the claims' own count."""

    async def tally() -> tuple[list, int, int]:
        """The tally's rows, how many of its keys have several, and whether its sum is the claims' count."""
        async with db() as session:
            rows = sorted(map(tuple, await session.execute(text("SELECT * FROM claim_tally"))))
            claims = await session.scalar(text("SELECT count(*) FROM claim"))
        keys = [row[:3] for row in rows]
        return rows, len(keys) - len(set(keys)), sum(row[3] for row in rows) - claims

    for n in range(3):
        assert (await client.post("/v1/articles", json=article(external_id=f"f-{n}"))).status_code == 201
    rows, repeated, off = await tally()
    assert len(rows) == 3 and off == 0  # one row per ingest, all its claims unverified
    assert repeated >= 1  # (two at least of the three share a UTC day, even across midnight)
    relay = Relay(settings)
    try:
        await relay.fold_tallies()
        assert (await tally())[1:] == (0, 0)
        assert (await client.post("/v1/articles", json=article(external_id="f-3"))).status_code == 201
        unfolded = await tally()
        await relay.fold_tallies()  # within the minute: left as it is
        assert await tally() == unfolded
        relay.folded_at -= 60
        await relay.fold_tallies()
        assert (await tally())[1:] == (0, 0)
    finally:
        relay.broker.close()
        await relay.engine.dispose()
