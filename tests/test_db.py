"""`shared.db.retried`: work the database undid for a real deadlock runs again in its savepoint, up to three times
in all; what the transaction did before it stays."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared.db import ATTEMPTS, retried, undone_by_a_concurrent_change
from shared.models import Feed


async def _deadlock(engine, session) -> None:
    """Make this session the victim of a real deadlock: another transaction holds lock 2 and asks for lock 1 once
    this one, holding 1, waits for 2. PostgreSQL undoes the transaction that waited first, this one."""
    async with engine.connect() as other:
        await other.execute(text("SELECT pg_advisory_xact_lock(2)"))
        await session.execute(text("SELECT pg_advisory_xact_lock(1)"))

        async def wanting() -> None:
            await asyncio.sleep(0.2)
            await other.execute(text("SELECT pg_advisory_xact_lock(1)"))

        other_wants = asyncio.ensure_future(wanting())
        try:
            await session.execute(text("SELECT pg_advisory_xact_lock(2)"))
        finally:
            # Granted as soon as this one is undone; had the other been the one undone, this would raise.
            await asyncio.wait_for(other_wants, 10)
            await other.rollback()


async def test_work_undone_by_a_deadlock_runs_again_and_the_transaction_goes_on(engine, db):
    attempts = []
    async with db() as session, session.begin():
        session.add(Feed(title="before", url="https://example.org/before"))
        await session.flush()

        async def work() -> str:
            attempts.append(len(attempts) + 1)
            session.add(Feed(title=f"attempt {len(attempts)}", url=f"https://example.org/{len(attempts)}"))
            await session.flush()
            if len(attempts) == 1:
                await _deadlock(engine, session)
            return "done"

        assert await retried(session, work) == "done"
    assert attempts == [1, 2]
    async with db() as session:
        titles = list(await session.scalars(text("SELECT title FROM feed ORDER BY id")))
    assert titles == ["before", "attempt 2"]  # the undone attempt's row is gone, the rest stays


async def test_work_undone_every_time_gives_up_after_three_attempts(engine, db):
    attempts = []
    async with db() as session, session.begin():

        async def work() -> None:
            attempts.append(len(attempts) + 1)
            await _deadlock(engine, session)

        with pytest.raises(DBAPIError) as raised:
            await retried(session, work)
        assert raised.value.orig.sqlstate == "40P01"  # a deadlock
        assert await session.scalar(text("SELECT 1")) == 1  # the transaction is still usable
    assert attempts == list(range(1, ATTEMPTS + 1)) == [1, 2, 3]


@pytest.mark.parametrize(
    ("statement", "sqlstate"),
    [
        ("SELECT 1 / 0", "22012"),
        # A serialisation failure needs the whole transaction run again, which a savepoint cannot do.
        ("DO $$ BEGIN RAISE EXCEPTION 'could not serialize' USING ERRCODE = '40001'; END $$", "40001"),
    ],
)
async def test_other_errors_are_not_run_again(db, statement, sqlstate):
    attempts = []
    async with db() as session, session.begin():

        async def work() -> None:
            attempts.append(1)
            await session.execute(text(statement))

        with pytest.raises(DBAPIError) as raised:
            await retried(session, work)
    assert attempts == [1] and raised.value.orig.sqlstate == sqlstate
    assert undone_by_a_concurrent_change(raised.value) == (sqlstate == "40001")  # the API answers that 503 busy
