"""Waiting for something the service does in the background, with a deadline (not a timing assertion)."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from shared.models import VerificationTask


async def eventually(check: Callable[[], object | Awaitable[object]], *, timeout: float = 30, what: str = "condition"):
    """Poll `check` (plain or async) until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s (last: {value!r})")
        await asyncio.sleep(0.1)


async def task_statuses(db) -> dict[int, str]:
    async with db() as session:
        return {t.claim_id: t.status for t in await session.scalars(select(VerificationTask))}


async def all_tasks_finished(db, *, timeout: float = 60) -> list[VerificationTask]:
    async def finished():
        async with db() as session:
            tasks = (await session.scalars(select(VerificationTask).order_by(VerificationTask.id))).all()
        return tasks if tasks and all(t.status in ("done", "failed") for t in tasks) else None

    return await eventually(finished, timeout=timeout, what="every task done or failed")
