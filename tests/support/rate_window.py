"""The rate limit counts requests in fixed one-minute windows (shared/ratelimit.py): a test that sends one
request past the limit must send them all in one window."""

from __future__ import annotations

import asyncio
import time


async def clear_of_a_minute_boundary(margin: float = 20.0) -> None:
    """Wait for the next minute when less than ``margin`` seconds of this one are left: requests that straddle
    the turn of a minute are counted in two windows, and the one past the limit is let through."""
    left = 60 - time.time() % 60
    if left < margin:
        await asyncio.sleep(left + 0.5)
