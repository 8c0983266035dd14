"""The database: declarative base with stable constraint names, engine and session factories."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TypeVar

from sqlalchemy import DateTime, MetaData, func
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable names, so migrations can refer to constraints by name and stay reversible.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


T = TypeVar("T")

# Two transactions each waiting for the other (a deadlock), or one that could not be serialised: PostgreSQL undid
# this one, so nothing of it was saved. Two fact-checkers moving two linked claims at the same moment can meet
# so: each transition updates the other claim's suggestion.
_DEADLOCK = "40P01"
_UNDONE_BY_A_CONCURRENT_CHANGE = frozenset([_DEADLOCK, "40001"])
ATTEMPTS = 3  # of work undone by a deadlock


def _sqlstate(exc: BaseException) -> str | None:
    return getattr(exc.orig, "sqlstate", None) if isinstance(exc, DBAPIError) else None


def undone_by_a_concurrent_change(exc: BaseException) -> bool:
    return _sqlstate(exc) in _UNDONE_BY_A_CONCURRENT_CHANGE


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


def async_url(url: str) -> str:
    """Any PostgreSQL URL (postgresql://, postgres://, +psycopg) as the asyncpg URL SQLAlchemy needs."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"not a PostgreSQL URL: {parsed.render_as_string(hide_password=True)}")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def create_engine(database_url: str, **kwargs) -> AsyncEngine:
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    # No JIT compilation: every statement here is short, and PostgreSQL's cost estimates for array arguments
    # (unnest) can pass its JIT threshold, where compiling takes longer (15 ms and more) than the query itself.
    kwargs.setdefault("connect_args", {"server_settings": {"jit": "off"}})
    # An error's message never quotes the statement's parameters: they hold article text and key hashes.
    kwargs.setdefault("hide_parameters", True)
    return create_async_engine(async_url(database_url), **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends normally, rolled back when it raises.

    Domain functions never commit; this (and the API's request dependency) is the commit boundary.
    """
    async with sessions() as session, session.begin():
        yield session


async def retried(session: AsyncSession, work: Callable[[], Awaitable[T]]) -> T:
    """``work()`` in a savepoint of the session's transaction, run again (``ATTEMPTS`` in all, a few ms apart, at
    random so that the two do not meet again) when the database undid it for a deadlock: rolled back to the
    savepoint, the locks it took are let go and what it wrote is gone, and the rest of the transaction stays.

    Only a deadlock: a serialisation failure (which READ COMMITTED, the service's level, never raises) needs the
    whole transaction run again, as its snapshot is the transaction's. What the session holds unwritten before
    is written ahead of the savepoint (``begin_nested`` flushes first), so a rollback to it keeps that."""
    for attempt in range(1, ATTEMPTS):
        try:
            async with session.begin_nested():
                return await work()
        except DBAPIError as exc:
            if _sqlstate(exc) != _DEADLOCK:
                raise
        await asyncio.sleep(random.uniform(0.005, 0.05) * attempt)
    async with session.begin_nested():  # the last attempt: what it raises is the caller's
        return await work()


async def keyset_page(session: AsyncSession, query, id_column, *, after: int | None, limit: int):
    """One page of `query` in `id_column` order after the cursor `after`, and the next page's cursor (None at
    the end). Ids only grow, so the order is stable while rows are added."""
    query = query.order_by(id_column).limit(limit + 1)
    if after is not None:
        query = query.where(id_column > after)
    rows = list(await session.scalars(query))
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None
