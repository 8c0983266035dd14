"""The migrations apply to an empty database, revert to nothing, and apply again; and match the models."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from shared.db import create_engine
from shared.models import Base
from shared.schema import downgrade, upgrade
from tests.conftest import _fresh_database


def tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = create_engine(url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
            functions = await conn.scalar(text("SELECT count(*) FROM pg_proc WHERE proname = 'notify_pending_tasks'"))
        await engine.dispose()
        return names | ({"notify_pending_tasks()"} if functions else set())

    return asyncio.run(read())


def drift(url: str) -> list:
    async def compare() -> list:
        engine = create_engine(url)
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
        await engine.dispose()
        return diff

    return asyncio.run(compare())


def test_up_down_up_and_no_drift(servers):
    server_url, _ = servers
    url = _fresh_database(server_url, "factcheck_migrations")
    upgrade(url)
    assert {"article", "claim", "verification_task", "evidence", "notify_pending_tasks()"} <= tables(url)
    assert drift(url) == []
    downgrade(url, "base")
    assert tables(url) == {"alembic_version"}
    upgrade(url)
    assert "claim" in tables(url)
