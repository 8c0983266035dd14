"""One engine, one session factory, one HTTP client and one fetcher per worker process.

Created when the worker boots and closed when it shuts down, by a dramatiq middleware that must come
after the AsyncIO middleware (so the event loop still runs when the resources are closed).
"""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.config import Settings
from shared.db import create_engine, session_factory
from shared.evidence.fetcher import SafeFetcher, new_http_client
from shared.evidence.pipeline import enabled_providers
from shared.evidence.providers.base import Provider


@dataclass
class Resources:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    fetcher: SafeFetcher
    providers: list[Provider]


_current: Resources | None = None


def current() -> Resources:
    if _current is None:
        raise RuntimeError("worker resources are not set up: is the WorkerResources middleware installed?")
    return _current


class WorkerResources(dramatiq.Middleware):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def before_worker_boot(self, broker, worker) -> None:
        global _current
        engine = create_engine(self.settings.database_url)
        sessions = session_factory(engine)
        # Fetches (fetch_concurrency at most) and webhook deliveries (one a thread at most) share the client.
        self._client = new_http_client(connections=self.settings.fetch_concurrency + worker.worker_threads)
        _current = Resources(
            settings=self.settings,
            engine=engine,
            sessions=sessions,
            fetcher=SafeFetcher.from_settings(self._client, self.settings),
            providers=enabled_providers(self.settings, sessions),
        )

    def after_worker_shutdown(self, broker, worker) -> None:
        global _current
        if _current is None:
            return
        resources, _current = _current, None

        async def close() -> None:
            await self._client.aclose()
            await resources.engine.dispose()

        get_event_loop_thread().run_coroutine(close())
