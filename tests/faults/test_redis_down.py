"""With Redis stopped, articles are still accepted; their tasks run once Redis is back, untouched by hand."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from shared.embedded import RedisServer, free_port
from shared.models import VerificationTask
from tests.support.articles import article
from tests.support.services import ROOT, api_server, running, service_env
from tests.support.waiting import all_tasks_finished, eventually

pytestmark = pytest.mark.slow


async def test_ingest_accepts_while_redis_is_down_and_tasks_finish_after(db, keys, settings, log_dir):
    own_redis = RedisServer(ROOT / ".data" / "test" / "redis-down", free_port()).start()
    ours = settings.model_copy(update={"redis_url": own_redis.url})
    try:
        with api_server(ours) as api, running("relay", "worker", env=service_env(ours), log_dir=log_dir) as procs:
            own_redis.stop()
            auth = {"Authorization": f"Bearer {keys['integration']}"}
            async with httpx.AsyncClient(base_url=api, timeout=30, headers=auth) as client:
                response = await client.post("/v1/articles", json=article(external_id="r-1"))
                assert response.status_code == 201, response.text
                ready = await client.get("/readyz")
                assert ready.status_code == 503 and ready.json()["detail"] == "redis unreachable"  # which, not why
            relay = procs[0]
            await eventually(lambda: "could not send tasks" in relay.log(), what="the relay to notice Redis is down")
            async with db() as session:
                pending = set(await session.scalars(select(VerificationTask.status)))
            assert pending == {"pending"}
            own_redis.start()
            tasks = await all_tasks_finished(db, timeout=60)
            assert {t.status for t in tasks} == {"done"}
    finally:
        own_redis.stop()
