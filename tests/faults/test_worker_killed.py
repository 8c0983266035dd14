"""A worker killed with SIGKILL in the middle of a task: after a restart the task completes, once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shared.models import Evidence, VerificationTask
from tests.support.articles import REPORT, article
from tests.support.services import ServiceProcess, running, service_env
from tests.support.waiting import all_tasks_finished, eventually

pytestmark = pytest.mark.slow


async def test_task_survives_a_killed_worker_without_duplicate_evidence(client, db, settings, web, log_dir):
    calls = []

    def slow_report(ex):
        calls.append(1)
        if len(calls) == 1 and not ex.sleep(30):  # the first worker dies while it waits here
            return
        ex.start(200)
        ex.write(REPORT.encode())

    web.handle("/slow-report", slow_report)
    env = service_env(
        settings,
        FACTCHECK_FETCH_ALLOW_HOSTS="127.0.0.1",
        FACTCHECK_FETCH_TIMEOUT_SECONDS="2",
        FACTCHECK_TASK_TIME_LIMIT_SECONDS="2.5",
        FACTCHECK_TASK_STUCK_AFTER_SECONDS="3",
    )
    body = "The Environment Agency said more than 1,200 homes were flooded in Harlow Vale on Tuesday.\n"
    with running("relay", env=env, log_dir=log_dir):
        first = ServiceProcess("worker", env, log_dir).start()
        try:
            await client.post(
                "/v1/articles", json=article(body=body, links=[web.url("/slow-report")], external_id="k-1")
            )

            async def running_task():
                async with db() as session:
                    return await session.scalar(select(VerificationTask).where(VerificationTask.status == "running"))

            await eventually(running_task, what="the task to be running")
            await eventually(lambda: calls, what="the worker to be fetching")
        finally:
            first.kill()
        second = ServiceProcess("worker", env, log_dir).start()
        try:
            tasks = await all_tasks_finished(db, timeout=60)
        finally:
            second.stop()
    assert [t.status for t in tasks] == ["done"]
    assert tasks[0].attempts >= 2
    async with db() as session:
        rows = (
            await session.execute(
                select(Evidence.claim_id, Evidence.url, func.count()).group_by(Evidence.claim_id, Evidence.url)
            )
        ).all()
    assert rows and all(count == 1 for *_key, count in rows)
