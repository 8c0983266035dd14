"""webhooks.deliver: sign and send one webhook delivery, log the attempt, schedule the next if it failed.

Takes the delivery id only and reloads everything. Idempotent enough: a delivery that is no longer being
sent is left alone, and a receiver that gets one twice (a worker died after sending) sees the same
`webhook-id` both times.
"""

from __future__ import annotations

import logging
import time

import dramatiq

from services.worker import resources
from shared.db import unit_of_work
from shared.evidence.fetcher import FetchError
from shared.integrations import outbound
from shared.queue import DELIVER_ACTOR, WEBHOOKS_QUEUE

log = logging.getLogger("factcheck.webhooks")


@dramatiq.actor(actor_name=DELIVER_ACTOR, queue_name=WEBHOOKS_QUEUE, max_retries=0, time_limit=120_000)
async def deliver(delivery_id: int) -> None:
    res = resources.current()
    settings = res.settings
    async with unit_of_work(res.sessions) as session:
        request = await outbound.outgoing(session, settings, delivery_id)
    if request is None:
        return
    started = time.perf_counter()
    status_code = retry_after = error = None
    try:
        status_code, retry_after = await res.fetcher.post(
            request.url, request.body, request.headers, timeout=settings.webhook_timeout_seconds
        )
    except FetchError as exc:  # blocked address, refused, timed out: an attempt that failed, like a 500
        error = exc.reason
    duration_ms = (time.perf_counter() - started) * 1000
    async with unit_of_work(res.sessions) as session:
        status = await outbound.record_attempt(
            session, settings, delivery_id,
            status_code=status_code, retry_after=retry_after, error=error, duration_ms=duration_ms,
        )  # fmt: skip
    log.info("delivery %s to %s: %s (%s)", delivery_id, request.url, status, error or f"HTTP {status_code}")
