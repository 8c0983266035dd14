"""The rate limit counts requests in fixed windows (shared/ratelimit.py): a test that sends one request past the
limit must send them all in one window."""

from __future__ import annotations

import asyncio
import time

from shared.ratelimit import WINDOW_SECONDS


async def clear_of_a_minute_boundary(margin: float = 20.0) -> None:
    """Wait for the next window when less than ``margin`` seconds of this one are left: requests that straddle
    the turn of a window are counted in two, and the one past the limit is let through."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < margin:
        await asyncio.sleep(left + 0.5)
