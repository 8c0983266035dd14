"""webhooks.deliver: sign and send one webhook delivery, log the attempt, schedule the next if it failed.

Takes the delivery id only and reloads everything. Idempotent enough: a delivery that is no longer being
sent is left alone, and a receiver that gets one twice (a worker died after sending) sees the same
`webhook-id` both times.
"""

from __future__ import annotations

import logging
import time

import dramatiq
import httpx

from services.worker import resources
from shared import logs
from shared.db import unit_of_work
from shared.evidence.fetcher import FetchError
from shared.integrations import outbound
from shared.queue import DELIVER_ACTOR, WEBHOOKS_QUEUE

log = logging.getLogger("factcheck.webhooks")


@dramatiq.actor(actor_name=DELIVER_ACTOR, queue_name=WEBHOOKS_QUEUE, max_retries=0, time_limit=120_000)
async def deliver(delivery_id: int) -> None:
    logs.task_id.set(f"delivery-{delivery_id}")  # this run's own context: every line it logs names the delivery
    res = resources.current()
    settings = res.settings
    async with unit_of_work(res.sessions) as session:
        claimed = await outbound.claim_delivery(
            session, delivery_id, max_attempts=len(settings.webhook_retry_schedule) + 1
        )
    if claimed is None:
        return
    claim, attempt = claimed
    started = time.perf_counter()
    status_code = retry_after = error = None
    url = None
    try:
        async with unit_of_work(res.sessions) as session:
            request = await outbound.outgoing(session, settings, delivery_id, claim)
        if request is None:
            return
        url = request.url
        status_code, retry_after = await res.fetcher.post(
            request.url, request.body, request.headers, timeout=settings.webhook_timeout_seconds
        )
    except FetchError as exc:  # blocked address, refused, timed out: an attempt that failed, like a 500
        error = exc.reason
    except Exception as exc:  # anything else (a secret that will not open, say): logged as the attempt's error
        error = f"{type(exc).__name__}: {exc}"
        log.exception("delivery %s, attempt %s", delivery_id, attempt)
    duration_ms = (time.perf_counter() - started) * 1000
    async with unit_of_work(res.sessions) as session:
        status = await outbound.record_attempt(
            session, settings, delivery_id, claim,
            status_code=status_code, retry_after=retry_after, error=error, duration_ms=duration_ms,
        )  # fmt: skip
    where = httpx.URL(url).host if url else "?"  # the host only: a URL's path or query may carry a token
    log.info(
        "delivery %s (attempt %s) to %s: %s (%s)", delivery_id, attempt, where, status, error or f"HTTP {status_code}"
    )
