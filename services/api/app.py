"""The FastAPI application: one engine and one Redis client per process, created in the lifespan."""

from __future__ import annotations

import copy
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount

from services.api import errors
from services.api.errors import error_response
from services.api.guards import BodySizeLimit, KeyRequired
from services.api.request_ids import RequestIds
from services.api.routers import articles, claims, extract, health, integrations, metrics, reports, review, web
from shared.claims import offload
from shared.config import Settings, get_settings
from shared.db import create_engine, session_factory
from shared.review.transitions import ENTITY_TAG_PATTERN
from shared.validation import MAX_ID

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
        app.state.settings = settings
        app.state.engine = create_engine(settings.database_url)
        app.state.sessions = session_factory(app.state.engine)
        app.state.redis = aioredis.Redis.from_url(settings.redis_url)
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
    app.add_exception_handler(405, _method_not_allowed)
    _document_what_code_checks(app, settings)
    return app


# Every method a route of this API may answer to.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


async def _method_not_allowed(request: Request, exc: HTTPException) -> JSONResponse:
    """405 whose Allow names every method the path answers to. Starlette's names those of the first route that
    matched the path only, and the GET and the POST of one path are two routes here."""
    allowed = [method for method in _METHODS if _answers(request, method)]
    answer = error_response("method_not_allowed", f"{request.method} is not allowed here", 405)
    allow = ", ".join(allowed) if allowed else (exc.headers or {}).get("Allow")  # the static files' own 405
    if allow:
        answer.headers["Allow"] = allow
    return answer


def _answers(request: Request, method: str) -> bool:
    """Whether a route of the API (not a mounted app, which takes any method) serves the path with `method`."""
    scope = {"type": "http", "method": method, "path": request.scope["path"], "root_path": "", "headers": []}
    routes = (route for route in request.app.router.routes if not isinstance(route, Mount))
    return any(route.matches(scope)[0] == Match.FULL for route in routes)


def _document_what_code_checks(app: FastAPI, settings: Settings) -> None:
    """What code checks beyond the request models, said in the document too; and integers' bounds kept exact.

    If-Match is declared optional so that its absence is a 428 with advice, not a bare 422: the document says
    it is required, and its form. A text's size limit is configured (FACTCHECK_MAX_BODY_BYTES).
    """
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            document = generate()
            _require_if_match(document)
            _limit_text_sizes(document["components"]["schemas"], settings.max_body_bytes)
            _exact_integer_bounds(document["components"]["schemas"])
        return app.openapi_schema

    app.openapi = openapi


def _limit_text_sizes(schemas: dict, max_bytes: int) -> None:
    """The limit is in bytes of UTF-8 (413 beyond): more characters than that many bytes is surely over it.
    An article in a webhook delivery (DeliveredArticle) is the same but for that: over the limit, it alone is
    refused, in its result, and the delivery is answered 200."""
    schemas["DeliveredArticle"] = copy.deepcopy(schemas["ArticleCreate"]) | {"title": "DeliveredArticle"}
    for model, field in (("ArticleCreate", "body"), ("ExtractRequest", "text")):
        schemas[model]["properties"][field]["maxLength"] = max_bytes


def _exact_integer_bounds(node: dict | list) -> None:
    """FastAPI writes the bounds of a model's fields as floats, and MAX_ID (2**63 - 1) becomes
    9.223372036854776e+18, which is 2**63: a number no id may be. The bounds of integers, as integers."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                if isinstance(node.get(key), float):
                    node[key] = MAX_ID if node[key] == float(MAX_ID) else int(node[key])
        children = node.values()
    else:
        children = node
    for child in children:
        if isinstance(child, dict | list):
            _exact_integer_bounds(child)


def _require_if_match(document: dict) -> None:
    for operation in (op for path in document["paths"].values() for op in path.values()):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "header" and parameter["name"] == "if-match":
                parameter["required"] = True
                parameter["schema"] = {"type": "string", "pattern": ENTITY_TAG_PATTERN, "title": "If-Match"}
