from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from services.api.errors import error_response, error_responses

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", summary="The database and Redis are reachable", responses=error_responses(503))
async def readyz(request: Request) -> JSONResponse:
    checks = {"database": _database(request), "redis": _redis(request)}
    results = await asyncio.gather(*checks.values(), return_exceptions=True)
    failed = {name: f"{type(r).__name__}: {r}" for name, r in zip(checks, results, strict=True) if r is not None}
    if failed:
        detail = "; ".join(f"{name} unreachable ({why})" for name, why in failed.items())
        return error_response("not_ready", detail, 503)
    return JSONResponse({"status": "ready"})


async def _database(request: Request) -> None:
    async with asyncio.timeout(2), request.app.state.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def _redis(request: Request) -> None:
    async with asyncio.timeout(2):
        await request.app.state.redis.ping()
