"""A webhook receiver that flaps: it answers 500, hangs up without an answer, and goes away for a while and
comes back. Every event is still delivered, in effect once: the receiver sees each event's `webhook-id` at
least once, accepts it once, and every copy of an event is the same signed message."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from shared.embedded import free_port
from shared.integrations import outbound
from shared.models import VerificationTask, WebhookAttempt, WebhookDelivery, WebhookEvent
from tests.support.integrations import send_article, subscribed_integration
from tests.support.services import running, service_env
from tests.support.waiting import eventually
from tests.support.web import serve

pytestmark = pytest.mark.slow

SENDER = "Flapping CMS"
EVENT_TYPES = ["article.processed", "claim.evidence_ready"]
ARTICLES = 5


class FlappingReceiver:
    """Answers each event's first request with a 500 and hangs up on its second without a word; accepts the
    third and any later one. Remembers every request, and what it accepted, across its own restarts."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.seen: list[tuple[str, bytes, dict[str, str]]] = []  # (webhook-id, body, headers), every request
        self.accepted: Counter[str] = Counter()
        self._lock = threading.Lock()

    def answer(self, ex) -> None:
        webhook_id = ex.headers.get("webhook-id", "")
        with self._lock:
            self.seen.append((webhook_id, ex.body, ex.headers))
            tries = sum(1 for seen_id, _body, _headers in self.seen if seen_id == webhook_id)
            if tries >= 3:
                self.accepted[webhook_id] += 1
        # Each answer closes its connection, so that while the receiver is away no kept-alive one reaches it.
        if tries == 1:
            ex.start(500)
        elif tries >= 3:
            ex.start(204)
        # The second time: read, then hang up without an answer (the sender cannot know it arrived).

    def start(self) -> None:
        """Listen on the receiver's port (the same each time), until `stop`."""
        self._serving = contextlib.ExitStack()
        web = self._serving.enter_context(serve(port=self.port))
        web.handle("/hook", self.answer)

    def stop(self) -> None:
        self._serving.close()


async def test_a_flapping_receiver_gets_every_event_in_effect_once(db, settings, log_dir):
    receiver = FlappingReceiver()
    secret = await subscribed_integration(db, settings, SENDER, receiver.url, EVENT_TYPES)
    env = service_env(
        settings,
        FACTCHECK_FETCH_ALLOW_HOSTS="127.0.0.1",
        FACTCHECK_WEBHOOK_TIMEOUT_SECONDS="5",  # no answer, however slow under load, taken for no answer
        # Short waits, and enough attempts for the flapping (three) and a few while the receiver is away.
        FACTCHECK_WEBHOOK_RETRY_SCHEDULE="0.2,0.2,0.2,0.3,0.3,0.5,0.5,1,1,2,2",
    )
    receiver.start()
    try:
        with running("relay", "worker", env=env, log_dir=log_dir):
            for n in range(ARTICLES):
                await send_article(db, settings, SENDER, f"flap-{n}")
            await eventually(lambda: len(receiver.seen) >= 10, what="the receiver to hear from us")
            receiver.stop()  # it goes away
            await eventually(lambda: _an_attempt_found_it_away(db, receiver), what="an attempt to find it away")
            receiver.start()  # and comes back on the same address
            deliveries = await eventually(lambda: _all_delivered(db), timeout=45, what="every delivery delivered")
    finally:
        receiver.stop()

    async with db() as session:
        events = {f"msg_{event.id}": event for event in await session.scalars(select(WebhookEvent))}
    assert len(events) > ARTICLES and len(deliveries) == len(events)  # one delivery per event (one subscription)
    assert {webhook_id for webhook_id, _body, _headers in receiver.seen} == set(events)  # every event heard
    assert receiver.accepted == Counter(set(events))  # and accepted once each
    for webhook_id, body, headers in receiver.seen:  # every copy is the same signed message
        assert Webhook(secret).verify(body, headers) == events[webhook_id].payload


async def _an_attempt_found_it_away(db, receiver: FlappingReceiver) -> bool:
    """More attempts recorded than requests the receiver heard: one (at least) found nobody listening."""
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(WebhookAttempt)) > len(receiver.seen)


async def _all_delivered(db) -> list[WebhookDelivery] | None:
    async with db() as session:
        deliveries = list(await session.scalars(select(WebhookDelivery)))
        tasks_done = await _every_task_finished(session)
    if tasks_done and deliveries and all(d.status == outbound.DELIVERED for d in deliveries):
        return deliveries
    return None


async def _every_task_finished(session) -> bool:
    """Events about claims come when their tasks finish; only then is the last delivery known."""
    statuses = set(await session.scalars(select(VerificationTask.status)))
    return bool(statuses) and statuses <= {"done", "failed"}
