"""feeds.poll: read one feed and store its items as source documents. Idempotent (items upserted by URL)."""

from __future__ import annotations

import logging

import dramatiq

from services.worker import resources
from shared.db import unit_of_work
from shared.evidence.fetcher import FetchError
from shared.feeds import polling
from shared.queue import FEEDS_QUEUE, POLL_FEED_ACTOR

log = logging.getLogger("factcheck.feeds")


@dramatiq.actor(actor_name=POLL_FEED_ACTOR, queue_name=FEEDS_QUEUE, max_retries=0, time_limit=120_000)
async def poll(feed_id: int) -> None:
    res = resources.current()
    async with unit_of_work(res.sessions) as session:
        url = await polling.feed_url(session, feed_id)
    if url is None:
        return
    try:
        parsed = polling.parse_feed(await res.fetcher.fetch(url, accept=polling.FEED_TYPES))
    except (FetchError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, FetchError) else str(exc)
        async with unit_of_work(res.sessions) as session:
            await polling.record_poll(session, feed_id, reason)
        log.warning("feed %s: %s", url, reason)
        return  # the next scheduled poll tries again
    async with unit_of_work(res.sessions) as session:
        count = await polling.store_feed(session, feed_id, parsed)
    log.info("feed %s: %d item(s)", url, count)
