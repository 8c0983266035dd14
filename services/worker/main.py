"""The worker process: `dramatiq services.worker.main`. Sets up the broker, then declares the actors."""

from __future__ import annotations

import asyncio

import dramatiq
import uvloop
from dramatiq.middleware import AsyncIO

from services.worker.resources import WorkerResources
from shared import logs, queue
from shared.config import get_settings

# One JSON line per record, with the task's id (shared/logging.json also keeps httpx, which logs every
# request URL at INFO, query strings and any API key in them included, to warnings).
logs.configure()

settings = get_settings()
if not settings.database_url or not settings.redis_url:
    raise SystemExit("FACTCHECK_DATABASE_URL and FACTCHECK_REDIS_URL must be set (`make run` sets them)")

broker = queue.create_broker(settings.redis_url)
# The event loop the AsyncIO middleware makes for the tasks (asyncio.new_event_loop, as the worker boots) is
# uvloop's, as uvicorn makes the API's: it reads and writes the sockets of the fetches and of the database in C.
# The policy is the whole process's; it is set here, before the middleware is added, so that it is in place
# when the middleware makes its loop.
asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
# AsyncIO first: dramatiq boots middleware in order and shuts it down in reverse, so the event loop
# is running both when the resources are made and when they are closed.
broker.add_middleware(AsyncIO())
broker.add_middleware(WorkerResources(settings))
dramatiq.set_broker(broker)

from services.worker.actors import feeds, verification, webhooks  # noqa: E402,F401  (actors need the broker set first)
