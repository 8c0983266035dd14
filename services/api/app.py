"""The FastAPI application: one engine and one Redis client per process, created in the lifespan."""

from __future__ import annotations

from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from services.api import errors
from services.api.guards import BodySizeLimit, KeyRequired
from services.api.openapi import document_what_code_checks
from services.api.request_ids import RequestIds
from services.api.routers import articles, claims, extract, health, integrations, metrics, reports, review, web
from shared.auth.keys import RecentKeys
from shared.claims import model, offload
from shared.config import Settings, get_settings
from shared.db import create_engine, session_factory

DESCRIPTION = """
Newsrooms send articles; the service finds their check-worthy claims, with exact offsets, and gives every
claim a verification task that a worker picks up to gather evidence. Every error has the shape
`{"error": code, "detail": message}`.
"""


# What anyone may read: health, readiness, and the API's own description.
OPEN_PATHS = frozenset(
    {"/", "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
)
# Signed by the integration's secret instead of a key (checked by the endpoint before the body is parsed);
# and the page's own files, which hold no data (the page asks for a key and calls /v1 with it).
OPEN_PREFIXES = ("/v1/webhooks/", "/static/")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    if not settings.database_url or not settings.redis_url:
        raise RuntimeError("FACTCHECK_DATABASE_URL and FACTCHECK_REDIS_URL must be set (`make run` sets them)")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # The check-worthiness weights (1.2 MB of JSON) are read now, not by the first articles: each would wait
        # for them, and the threads extracting the first few at once would each read them. First, so that a
        # missing or damaged file stops the start with nothing opened yet.
        model.shipped()
        app.state.settings = settings
        app.state.engine = create_engine(settings.database_url)
        app.state.sessions = session_factory(app.state.engine)
        app.state.redis = aioredis.Redis.from_url(settings.redis_url)
        app.state.keys = RecentKeys(settings.key_cache_seconds)
        try:
            yield
        finally:
            offload.shutdown()
            await app.state.redis.aclose()
            await app.state.engine.dispose()

    app = FastAPI(
        title="Fact-check workflow service",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        responses=errors.COMMON_RESPONSES,
    )
    errors.install(app)
    # JSON escaping can make a body up to six times larger on the wire (\uXXXX); the exact limit on the
    # body itself is checked after parsing. Beyond this, nothing is read at all.
    app.add_middleware(BodySizeLimit, max_bytes=6 * settings.max_body_bytes + 65_536)
    # Added last, so it runs first: no key, no reading of the body.
    app.add_middleware(KeyRequired, open_paths=OPEN_PATHS, open_prefixes=OPEN_PREFIXES)
    # Closed unless origins are named: a newsroom's own tool in a browser, say. Outside the key guard, so
    # that a browser's preflight (which carries no key) is answered.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT"],
            allow_headers=["Authorization", "Content-Type", "If-Match"],
            expose_headers=["ETag", "Retry-After", "X-Request-ID"],
        )
    app.add_middleware(web.SecurityHeaders)
    app.add_middleware(metrics.RequestMetrics)
    # Outermost: every log line of the request, the error middleware's included, carries its id.
    app.add_middleware(RequestIds)
    for module in (health, articles, claims, review, extract, integrations, reports, web, metrics):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=web.STATIC), name="static")
    document_what_code_checks(app, settings)
    return app
