"""Fair sharing: at most N requests a minute for each API key and each integration, counted in Redis so that
the limit holds across API processes.

A fixed one-minute window per caller (one INCR, and an EXPIRE the first time): simple, and within a factor
of two of a sliding window at its edges, which is enough to stop one misconfigured tool from flooding the
desk. Redis being away never refuses a request: the limit is a courtesy, the data is in PostgreSQL.
"""

from __future__ import annotations

import logging
import time

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from shared.errors import AppError

log = logging.getLogger(__name__)


class RateLimited(AppError):
    status = 429
    code = "rate_limited"


WINDOW_SECONDS = 60  # a caller's requests are counted in fixed windows of this length


async def check(client: aioredis.Redis, who: str, per_minute: int) -> None:
    """Count one request of `who` ("key:12", "integration:3"); RateLimited past `per_minute` (0: no limit)."""
    if per_minute <= 0:
        return
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    name = f"ratelimit:{who}:{window}"
    try:
        async with client.pipeline(transaction=False) as pipe:
            count, _ = await pipe.incr(name).expire(name, 2 * WINDOW_SECONDS).execute()
    except (RedisError, OSError) as e:
        log.warning("rate limit not checked, Redis unavailable (%s)", type(e).__name__)
        return
    if count > per_minute:
        retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now) + 1)
        raise RateLimited(
            f"more than {per_minute} requests in a minute from this caller; try again in {retry_after} s",
            extra={"retry_after": retry_after},
        )
