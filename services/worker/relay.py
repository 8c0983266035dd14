"""The outbox relay: hands due verification tasks, webhook deliveries and feed polls to the queue, so nothing
is lost.

It wakes on the database's NOTIFY when an ingest commits, and sweeps every few seconds anyway: for tasks
written while it was down, tasks it could not send while Redis was down, and tasks stuck in queued or
running past the deadline. Run it as `python -m services.worker.relay`; several may run at once.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from datetime import timedelta

from shared import logs, queue
from shared.config import Settings, get_settings
from shared.db import create_engine, session_factory, unit_of_work
from shared.feeds.polling import lock_due_feeds
from shared.integrations import outbound
from shared.reports import tallies
from shared.verification.outbox import PENDING_CHANNEL, lock_due_tasks, mark_queued

log = logging.getLogger("factcheck.relay")

BATCH = 500
FOLD_EVERY = 60.0  # seconds between foldings of the report tallies' rows


class Relay:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = create_engine(settings.database_url, pool_size=2, max_overflow=0)
        self.sessions = session_factory(self.engine)
        self.broker = queue.create_broker(settings.redis_url)
        self.wake = asyncio.Event()
        self.stopping = asyncio.Event()
        self.folded_at = float("-inf")

    async def relay_once(self) -> int:
        """Send one batch of due tasks; returns how many were sent.

        The rows stay locked while their messages go out, and are marked queued in the same transaction:
        if Redis fails, nothing is marked and the batch is tried again; if the commit fails after the
        sends, the tasks are sent once more later, which the idempotent actor absorbs.
        """
        async with unit_of_work(self.sessions) as session:
            ids = await lock_due_tasks(
                session, stuck_after=timedelta(seconds=self.settings.task_stuck_after_seconds), limit=BATCH
            )
            if ids:
                await asyncio.to_thread(self._send, ids)
                await mark_queued(session, ids)
        if ids:
            log.info("relay: sent %d verification task(s)", len(ids))
        return len(ids)

    async def relay_deliveries(self) -> int:
        """Hand due webhook deliveries to the worker, as for tasks: locked, sent, marked in one transaction."""
        async with unit_of_work(self.sessions) as session:
            stuck_after = timedelta(seconds=self.settings.webhook_stuck_after_seconds)
            ids = await outbound.lock_due_deliveries(session, stuck_after=stuck_after, limit=BATCH)
            if ids:
                await asyncio.to_thread(self._send_deliveries, ids)
                await outbound.mark_sending(session, ids)
        return len(ids)

    def _send_deliveries(self, ids: list[int]) -> None:
        for delivery_id in ids:
            queue.send(self.broker, queue.DELIVER_ACTOR, queue.WEBHOOKS_QUEUE, delivery_id)

    async def poll_due_feeds(self) -> int:
        """Send a poll for each configured feed that is due; the schedule is kept in the database."""
        async with unit_of_work(self.sessions) as session:
            every = timedelta(seconds=self.settings.feed_poll_seconds)
            ids = await lock_due_feeds(session, self.settings.feeds, every=every)
            if ids:
                await asyncio.to_thread(self._send_polls, ids)
        return len(ids)

    async def fold_tallies(self) -> None:
        """Fold the rows of changes the reports' tallies gather (one per writing statement) once a minute, so
        that a report adds up a few rows a day; the sums, and so the reports, stay the same."""
        if time.monotonic() - self.folded_at < FOLD_EVERY:
            return
        async with unit_of_work(self.sessions) as session:
            await tallies.fold(session)
        self.folded_at = time.monotonic()

    def _send_polls(self, ids: list[int]) -> None:
        for feed_id in ids:
            queue.send(self.broker, queue.POLL_FEED_ACTOR, queue.FEEDS_QUEUE, feed_id)

    def _send(self, ids: list[int]) -> None:
        for task_id in ids:
            queue.send(self.broker, queue.VERIFY_ACTOR, queue.VERIFY_QUEUE, task_id)

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen())
        failures = 0
        try:
            while not self.stopping.is_set():
                self.wake.clear()  # before the sweep: a NOTIFY during it wakes the next one
                try:
                    sent = await self.relay_once()
                    await self.relay_deliveries()
                    await self.poll_due_feeds()
                    failures = 0
                except Exception as exc:  # Redis or the database away: keep the tasks, try again later
                    failures += 1
                    log.warning("relay: could not send tasks (%s: %s); retrying", type(exc).__name__, exc)
                    sent = 0
                try:  # apart from the sends: neither waits for the other, nor backs off for it
                    await self.fold_tallies()
                except Exception as exc:
                    log.warning("relay: could not fold the report tallies (%s: %s); retrying", type(exc).__name__, exc)
                if sent == BATCH:
                    continue  # more are waiting
                if failures:  # back off; new articles must not make us hammer a server that is away
                    await self._sleep(min(self.settings.relay_interval_seconds * 2 ** min(failures, 4), 30.0),
                                      wake=False)  # fmt: skip
                else:
                    await self._sleep(self.settings.relay_interval_seconds)
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
            self.broker.close()
            await self.engine.dispose()

    async def _sleep(self, seconds: float, *, wake: bool = True) -> None:
        events = [self.stopping, self.wake] if wake else [self.stopping]
        waiters = [asyncio.create_task(event.wait()) for event in events]
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    def _notified(self, *_args) -> None:
        self.wake.set()

    async def _listen(self) -> None:
        """Keep a LISTEN connection open; reconnect when it drops. A missed wake-up only costs one interval."""
        while True:
            try:
                async with self.engine.connect() as conn:
                    raw = (await conn.get_raw_connection()).driver_connection
                    lost = asyncio.Event()
                    raw.add_termination_listener(lambda _conn, lost=lost: lost.set())
                    await raw.add_listener(PENDING_CHANNEL, self._notified)
                    self.wake.set()  # catch up on whatever was written before we listened
                    try:
                        await lost.wait()
                    finally:
                        if not raw.is_closed():
                            await raw.remove_listener(PENDING_CHANNEL, self._notified)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("relay: listen connection failed (%s); retrying", exc)
            await asyncio.sleep(self.settings.relay_interval_seconds)


async def main() -> None:
    settings = get_settings()
    relay = Relay(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, relay.stopping.set)
    log.info("relay: started")
    await relay.run()
    log.info("relay: stopped")


if __name__ == "__main__":
    logs.configure()
    asyncio.run(main())
