"""verification.verify: gather evidence for one claim. Takes the task id only; reloads everything."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import dramatiq

from services.worker import resources
from shared import logs
from shared.config import get_settings
from shared.db import unit_of_work
from shared.evidence.pipeline import gather_evidence
from shared.evidence.reuse import reassess
from shared.queue import VERIFY_ACTOR, VERIFY_QUEUE
from shared.verification import runner

log = logging.getLogger("factcheck.worker")
_settings = get_settings()


@dramatiq.actor(
    actor_name=VERIFY_ACTOR,
    queue_name=VERIFY_QUEUE,
    max_retries=_settings.task_max_retries,
    min_backoff=1_000,
    max_backoff=30_000,
    # A margin over our own limit below, which ends the run cleanly with a reason first.
    time_limit=int((_settings.task_time_limit_seconds + 10) * 1000),
)
async def verify(task_id: int) -> None:
    logs.task_id.set(f"verify-{task_id}")  # this run's own context: every line it logs names the task
    res = resources.current()
    settings = res.settings
    async with unit_of_work(res.sessions) as session:
        started = await runner.start_task(
            session,
            task_id,
            lease=timedelta(seconds=settings.task_stuck_after_seconds),
            max_attempts=settings.task_max_retries + 1,
            min_similarity=settings.related_min_similarity,
        )
    if started is None:
        log.info("task %s: finished, held by another run, or given up; nothing to do", task_id)
        return
    try:
        async with asyncio.timeout(settings.task_time_limit_seconds):
            outcome = None
            if started.reusable:  # the same claim was decided elsewhere: read its evidence again, fetch nothing
                outcome = await asyncio.to_thread(reassess, started.claim, started.reusable, started.decided_claim_id)
            if outcome is None or not outcome.findings:
                outcome = await gather_evidence(started.claim, res.providers, res.fetcher)
        async with unit_of_work(res.sessions) as session:
            await runner.finish_task(session, task_id, started.claim.claim_id, outcome)
    except Exception as exc:
        reason = (
            f"timed out after {settings.task_time_limit_seconds:g} s"
            if isinstance(exc, TimeoutError)
            else f"{type(exc).__name__}: {exc}"
        )
        final = started.attempt > settings.task_max_retries
        async with unit_of_work(res.sessions) as session:
            await runner.record_error(session, task_id, reason, final=final)
        log.warning("task %s: run failed (%s)%s", task_id, reason, "; giving up" if final else "; will retry")
        if not final:
            raise
        return
    log.info("task %s: %d finding(s), %d problem(s)", task_id, len(outcome.findings), len(outcome.problems))
