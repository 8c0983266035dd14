from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from services.api.errors import error_response, error_responses

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", summary="The database and Redis are reachable", responses=error_responses(503))
async def readyz(request: Request) -> JSONResponse:
    checks = {"database": _database(request), "redis": _redis(request)}
    results = await asyncio.gather(*checks.values(), return_exceptions=True)
    failed = [name for name, r in zip(checks, results, strict=True) if r is not None]
    if failed:
        # Which one, not why: anyone may ask, and the why (paths, addresses) is for the log.
        for name, r in zip(checks, results, strict=True):
            if r is not None:
                log.warning("readyz: %s unreachable (%s: %s)", name, type(r).__name__, r)
        return error_response("not_ready", "; ".join(f"{name} unreachable" for name in failed), 503)
    return JSONResponse({"status": "ready"})


async def _database(request: Request) -> None:
    async with asyncio.timeout(2), request.app.state.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def _redis(request: Request) -> None:
    async with asyncio.timeout(2):
        await request.app.state.redis.ping()
