"""Webhooks we send: written with the change, signed (verified by the reference library), retried, logged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update
from standardwebhooks.webhooks import Webhook

from shared.evidence.fetcher import FetchError, SafeFetcher, new_http_client
from shared.evidence.pipeline import Outcome
from shared.integrations import outbound
from shared.integrations.registry import create_integration
from shared.models import Claim, VerificationTask, WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription
from shared.verification import runner
from tests.support.integrations import LOOPBACK, send_article, subscribed_integration
from tests.support.services import ServiceProcess, running, service_env
from tests.support.waiting import eventually


@pytest.fixture
async def desk(db, settings, web) -> dict:
    """An integration with a subscription at the loopback receiver `/hook`."""
    allowed = settings.model_copy(update=LOOPBACK)
    async with db() as session, session.begin():
        made = await create_integration(session, allowed, "Desk CMS", ["article.processed", "claim.state_changed"])
        subscription = await outbound.subscribe(
            session, allowed, made.integration.id, web.url("/hook"), ["article.processed"]
        )
    return {"id": made.integration.id, "secret": made.secret, "subscription": subscription.id}


def env_for(settings, **overrides):
    quick = {
        "FACTCHECK_FETCH_ALLOW_HOSTS": "127.0.0.1",
        "FACTCHECK_WEBHOOK_RETRY_SCHEDULE": "0.3,0.3,0.3,0.3",
        "FACTCHECK_WEBHOOK_TIMEOUT_SECONDS": "3",
    }
    return service_env(settings, **(quick | overrides))


async def delivery(db) -> WebhookDelivery:
    async with db() as session:
        return await session.scalar(select(WebhookDelivery))


async def test_a_receiver_failing_three_times_gets_it_once_with_one_webhook_id(db, settings, web, desk, log_dir):
    answers = iter([500, 500, 500, 200])

    def receiver(ex):
        ex.start(next(answers), headers={"Content-Length": "0"})

    web.handle("/hook", receiver)
    stored = await send_article(db, settings, "Desk CMS", "out-1")
    with running("relay", "worker", env=env_for(settings), log_dir=log_dir):
        await eventually(lambda: _status(db, "delivered"), timeout=60, what="the delivery")
    posts = [r for r in web.requests if r.path == "/hook"]
    assert len(posts) == 4 and len({p.headers["webhook-id"] for p in posts}) == 1
    for post in posts:  # every attempt verifies with the reference library, with the integration's secret
        payload = Webhook(desk["secret"]).verify(post.body, post.headers)
    assert payload["type"] == "article.processed" and payload["data"]["article_id"] == stored["id"]
    assert payload["data"]["external_id"] == "out-1" and len(post.body) < 20_000
    async with db() as session:
        attempts = list(await session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)))
    assert [a.status_code for a in attempts] == [500, 500, 500, 200] and all(a.duration_ms > 0 for a in attempts)


async def _status(db, status: str):
    found = await delivery(db)
    return found if found is not None and found.status == status else None


async def test_a_receiver_answering_410_disables_the_subscription(db, settings, web, desk, log_dir):
    web.route("/hook", b"", status=410)
    await send_article(db, settings, "Desk CMS", "out-gone")
    with running("relay", "worker", env=env_for(settings), log_dir=log_dir):
        await eventually(lambda: _status(db, "failed"), timeout=60, what="the delivery to fail")
    async with db() as session:
        subscription = await session.get(WebhookSubscription, desk["subscription"])
    assert subscription.disabled_at is not None and "410" in subscription.disabled_reason
    await send_article(db, settings, "Desk CMS", "out-gone-2")  # a disabled subscription hears nothing more
    async with db() as session:
        assert len(list(await session.scalars(select(WebhookEvent)))) == 1


@pytest.mark.slow
async def test_a_worker_killed_during_a_delivery_delivers_after_a_restart(db, settings, web, desk, log_dir):
    calls = []

    def receiver(ex):
        calls.append(1)
        if len(calls) == 1 and not ex.sleep(30):  # the first worker dies while its request waits here
            return
        ex.start(200, headers={"Content-Length": "0"})

    web.handle("/hook", receiver)
    await send_article(db, settings, "Desk CMS", "out-killed")
    env = env_for(settings, FACTCHECK_WEBHOOK_STUCK_AFTER_SECONDS="4")
    with running("relay", env=env, log_dir=log_dir):
        first = ServiceProcess("worker", env, log_dir).start()
        try:
            await eventually(lambda: calls, what="the worker to be sending")
        finally:
            first.kill()
        second = ServiceProcess("worker", env, log_dir).start()
        try:
            delivered = await eventually(lambda: _status(db, "delivered"), timeout=60, what="the delivery")
        finally:
            second.stop()
    posts = [r for r in web.requests if r.path == "/hook"]
    assert len({p.headers["webhook-id"] for p in posts}) == 1 and delivered.delivered_at is not None


async def test_retry_after_redirects_and_the_schedule(db, settings, desk):
    """What follows an attempt, decided in the database: the schedule, Retry-After, a redirect, the end."""
    await send_article(db, settings, "Desk CMS", "out-rules")
    quick = settings.model_copy(update={"webhook_retry_schedule": [5.0, 10.0]})

    async def attempt(**outcome) -> WebhookDelivery:
        async with db() as session, session.begin():
            found = await session.scalar(select(WebhookDelivery))
            await outbound.mark_sending(session, [found.id])
        async with db() as session, session.begin():
            claim, _ = await outbound.claim_delivery(session, found.id, max_attempts=3)
        async with db() as session, session.begin():
            await outbound.record_attempt(session, quick, found.id, claim, duration_ms=1.0, **outcome)
        return await delivery(db)

    now = datetime.now(UTC)
    busy = await attempt(status_code=503, retry_after=120.0, error=None)
    assert busy.status == "pending" and busy.next_attempt_at - now > timedelta(seconds=110)  # as it asked
    moved = await attempt(status_code=302, retry_after=None, error=None)
    assert moved.status == "pending" and "redirects are not followed" in moved.last_error
    assert (await attempt(status_code=None, retry_after=None, error="connection refused")).status == "failed"
    async with db() as session, session.begin():
        await outbound.redeliver(session, busy.id)
    assert (await delivery(db)).status == "pending"  # sent again on request, the same event


async def test_admins_subscribe_list_and_redeliver_and_private_urls_are_refused(api_url, keys, db, settings, desk):
    await send_article(db, settings, "Desk CMS", "out-api")
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    async with httpx.AsyncClient(base_url=api_url, headers=admin) as http:
        private = await http.post(
            f"/v1/integrations/{desk['id']}/subscriptions",
            json={"url": "http://10.1.2.3/hook", "event_types": ["article.processed"]},
        )
        assert private.status_code == 422 and "private" in private.json()["detail"]
        not_allowed = await http.post(
            f"/v1/integrations/{desk['id']}/subscriptions",
            json={"url": "http://10.1.2.3/hook", "event_types": ["claim.evidence_ready"]},
        )
        assert not_allowed.status_code == 422
        listed = (await http.get(f"/v1/integrations/{desk['id']}/subscriptions")).json()
        assert [s["id"] for s in listed] == [desk["subscription"]]
        deliveries = (await http.get(f"/v1/subscriptions/{desk['subscription']}/deliveries")).json()
        assert len(deliveries) == 1 and deliveries[0]["event_type"] == "article.processed"
        assert deliveries[0]["webhook_id"].startswith("msg_") and deliveries[0]["status"] == "pending"
        again = await http.post(f"/v1/deliveries/{deliveries[0]['id']}/redeliver")
        assert again.status_code == 202 and again.json()["webhook_id"] == deliveries[0]["webhook_id"]
        reviewer = {"Authorization": f"Bearer {keys['reviewer']}"}
        assert (await http.get(f"/v1/integrations/{desk['id']}/subscriptions", headers=reviewer)).status_code == 403


async def test_a_private_address_is_refused_again_when_sent(settings):
    """A name may resolve elsewhere by the time of sending: the fetcher checks at every delivery."""
    async with new_http_client() as client:
        fetcher = SafeFetcher.from_settings(client, settings)  # no allow list
        with pytest.raises(FetchError, match="blocked"):
            await fetcher.post("http://127.0.0.1:9/hook", b"{}", {"content-type": "application/json"})


async def test_payloads_are_small_and_name_the_article(db, settings, desk):
    await send_article(db, settings, "Desk CMS", "out-size")
    async with db() as session:
        event = await session.scalar(select(WebhookEvent))
    body = json.dumps(event.payload).encode()
    assert len(body) < 20_000
    assert event.payload["data"]["links"]["article"] == f"/v1/articles/{event.payload['data']['article_id']}"
    assert {"source", "external_id", "claims"} <= set(event.payload["data"])


async def test_a_late_attempt_is_logged_and_changes_nothing(db, settings, desk):
    """The relay handed the delivery out again (its first worker seemed dead): the first one's answer, coming
    after all, is kept in the log, but only the current attempt moves the delivery on."""
    await send_article(db, settings, "Desk CMS", "out-late")
    async with db() as session, session.begin():
        found = await session.scalar(select(WebhookDelivery))
        await outbound.mark_sending(session, [found.id])
    async with db() as session, session.begin():
        late, _ = await outbound.claim_delivery(session, found.id, max_attempts=8)
    async with db() as session, session.begin():
        assert await outbound.claim_delivery(session, found.id, max_attempts=8) is None  # claimed: one worker only
        await outbound.mark_sending(session, [found.id])  # handed out again
    async with db() as session, session.begin():
        current, attempt = await outbound.claim_delivery(session, found.id, max_attempts=8)
    assert attempt == 2
    async with db() as session, session.begin():
        status = await outbound.record_attempt(
            session, settings, found.id, late, status_code=200, retry_after=None, error=None, duration_ms=5.0
        )
    assert status == "sending"  # logged, nothing decided
    async with db() as session, session.begin():
        status = await outbound.record_attempt(
            session, settings, found.id, current, status_code=500, retry_after=None, error=None, duration_ms=5.0
        )
    assert status == "pending"
    async with db() as session:
        attempts = list(await session.scalars(select(WebhookAttempt.status_code).order_by(WebhookAttempt.id)))
    assert attempts == [200, 500]


async def test_payloads_stay_under_20_kb_in_any_script(db, settings, desk):
    allowed = settings.model_copy(update=LOOPBACK)
    async with db() as session, session.begin():
        await outbound.subscribe(session, allowed, desk["id"], "http://127.0.0.1:9/states", ["claim.state_changed"])
    stored = await send_article(db, settings, "Desk CMS", "out-script")
    async with db() as session, session.begin():
        claim_id = await session.scalar(select(Claim.id).where(Claim.article_id == stored["id"]).limit(1))
        await session.execute(update(Claim).where(Claim.id == claim_id).values(text="Ж😀" * 5000))
        await outbound.emit_claim_event(
            session, "claim.state_changed", claim_id, from_state="unverified", rationale="Ж😀" * 5000, by="Desk: Ana"
        )
    async with db() as session:
        event = await session.scalar(select(WebhookEvent).where(WebhookEvent.type == "claim.state_changed"))
    assert len(json.dumps(event.payload, separators=(",", ":"), ensure_ascii=False).encode()) < 20_000


async def test_a_task_finished_twice_tells_the_newsroom_once(db, settings, web):
    # Two runs of one task can both reach the end (one woken past its lease): only the first finishes it.
    await subscribed_integration(db, settings, "Ready CMS", web.url("/hook"), ["claim.evidence_ready"])
    stored = await send_article(db, settings, "Ready CMS", "out-twice")
    async with db() as session:
        claim_id, task_id = (
            await session.execute(
                select(Claim.id, VerificationTask.id)
                .join(VerificationTask, VerificationTask.claim_id == Claim.id)
                .where(Claim.article_id == stored["id"])
                .limit(1)
            )
        ).one()
    for _run in range(2):
        async with db() as session, session.begin():
            await runner.finish_task(session, task_id, claim_id, Outcome())
    async with db() as session:
        events = list(await session.scalars(select(WebhookEvent).where(WebhookEvent.type == "claim.evidence_ready")))
        task = await session.get(VerificationTask, task_id)
    assert task.status == "done" and len(events) == 1
