"""PostgreSQL stopped under the API: 503 in the error shape, one log line a request, recovery by itself."""

from __future__ import annotations

import asyncio
import logging
import shutil
import time

import httpx
import pytest

from shared.auth.keys import create_key
from shared.auth.roles import Role
from shared.db import create_engine, session_factory, unit_of_work
from shared.embedded import start_postgres
from shared.schema import upgrade
from tests.support.articles import article
from tests.support.services import ROOT, api_server

pytestmark = pytest.mark.slow


async def _key(url: str) -> str:
    engine = create_engine(url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            return (await create_key(session, "pg-down", Role.admin))[1]
    finally:
        await engine.dispose()


async def test_a_stopped_database_is_503_logged_once_and_recovered_from(settings, caplog):
    data_dir = ROOT / ".data" / "test" / f"pg-down-{time.monotonic_ns()}"  # its own, new each run
    server, url = start_postgres(data_dir)
    try:
        await asyncio.to_thread(upgrade, url)
        key = await _key(url)
        ours = settings.model_copy(update={"database_url": url})
        with api_server(ours) as api:
            async with httpx.AsyncClient(base_url=api, timeout=30, headers={"Authorization": f"Bearer {key}"}) as http:
                assert (await http.post("/v1/articles", json=article(external_id="pg-1"))).status_code == 201
                await asyncio.to_thread(server.cleanup)  # PostgreSQL stops
                caplog.clear()
                with caplog.at_level(logging.INFO):
                    answers = [
                        await http.post("/v1/articles", json=article(external_id=f"pg-{n}")) for n in range(2, 7)
                    ]
                    ready = await http.get("/readyz")
                assert [a.status_code for a in answers] == [503] * 5
                assert all(a.json()["error"] == "unavailable" for a in answers)
                assert ready.status_code == 503 and ready.json()["detail"] == "database unreachable"
                service = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
                assert [r.levelname for r in service if "a dependency is unavailable" in r.getMessage()] == [
                    "WARNING"
                ] * 5
                assert not any(r.levelno >= logging.ERROR for r in service), [r.getMessage() for r in service]
                assert not any("River Wendle" in r.getMessage() or r.exc_info for r in service)  # no article, no trace
                await asyncio.to_thread(server.ensure_postgres_running)
                for _ in range(50):  # the pool finds its feet again: no restart, no hand
                    again = await http.post("/v1/articles", json=article(external_id="pg-back"))
                    if again.status_code == 201:
                        break
                    await asyncio.sleep(0.2)
                assert again.status_code == 201
    finally:
        await asyncio.to_thread(server.cleanup)
        shutil.rmtree(data_dir, ignore_errors=True)
