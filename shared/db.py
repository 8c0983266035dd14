"""The database: declarative base with stable constraint names, engine and session factories."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import DateTime, MetaData, func
from sqlalchemy.engine import make_url
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
