"""Real servers for the whole run: PostgreSQL and Redis (the configured ones, else embedded), migrations
applied once (so they are tested too), and the API on a loopback port."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import redis
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.engine import make_url

from shared import embedded
from shared.auth.keys import create_key
from shared.auth.roles import Role
from shared.config import Settings
from shared.db import create_engine, session_factory
from shared.schema import upgrade
from tests.support.services import ROOT, api_server
from tests.support.web import web  # noqa: F401  (the loopback web server fixture)

TEST_DATA = ROOT / ".data" / "test"
TABLES = (
    "evidence", "verification_task", "claim", "article", "source_document", "feed", "api_key", "claim_event",
    "claim_signature", "claim_match_key", "claim_link", "integration", "webhook_receipt",
    "webhook_subscription", "webhook_event", "webhook_delivery", "webhook_attempt", "claim_tally", "verdict_tally",
    "work_tally",
)  # fmt: skip


def _fresh_database(server_url: str, name: str) -> str:
    """Create an empty database `name` on the server and return its URL. Ours alone: dropped first."""

    async def recreate() -> None:
        engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await engine.dispose()

    asyncio.run(recreate())
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def servers():
    """(database URL, Redis URL) of a fresh test database and a Redis db of the tests' own."""
    configured_db = os.environ.get("FACTCHECK_DATABASE_URL")
    configured_redis = os.environ.get("FACTCHECK_REDIS_URL")
    with embedded.servers(configured_db, configured_redis, TEST_DATA) as (db_url, redis_url):
        if configured_redis:  # someone else's server: keep to a db number of our own
            own_db = os.environ.get("FACTCHECK_TEST_REDIS_DB", "15")
            redis_url = urlsplit(redis_url)._replace(path=f"/{own_db}").geturl()
        redis.Redis.from_url(redis_url).flushdb()
        # Two suites on one server (a CI job beside a developer's run) each name a database of their own.
        database_url = _fresh_database(db_url, os.environ.get("FACTCHECK_TEST_DATABASE", "factcheck_test"))
        upgrade(database_url)
        yield database_url, redis_url


@pytest.fixture(scope="session")
def settings(servers) -> Settings:
    database_url, redis_url = servers
    # A key of the tests' own, so that no test writes one into the checkout's data folder.
    secret_key = Fernet.generate_key().decode()
    return Settings(database_url=database_url, redis_url=redis_url, secret_key=secret_key, _env_file=None)


@pytest.fixture(scope="session")
async def engine(settings):
    engine = create_engine(settings.database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db(engine, settings):
    """A session factory on an emptied database, with an emptied queue (ids restart, so old messages must go)."""
    async with engine.begin() as conn:
        # The audit trail refuses TRUNCATE (a trigger); the tests' own cleanup sets triggers aside for it.
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    redis.Redis.from_url(settings.redis_url).flushdb()
    return session_factory(engine)


@pytest.fixture(scope="session")
def api_url(settings):
    with api_server(settings) as url:
        yield url


@pytest.fixture
async def keys(db) -> dict[str, str]:
    """A fresh API key for each role: role name -> the plain key."""
    made = {}
    async with db() as session, session.begin():
        for role in Role:
            _, made[role.value] = await create_key(session, f"test-{role.value}", role)
    return made


@pytest.fixture
async def client(api_url, keys):
    """The API, called with an admin key (every permission); tests of roles make their own clients."""
    headers = {"Authorization": f"Bearer {keys['admin']}"}
    async with httpx.AsyncClient(base_url=api_url, timeout=30, headers=headers) as client:
        yield client


@pytest.fixture
def log_dir(tmp_path) -> Path:
    return tmp_path / "logs"
