"""One way to sum up a benchmark's latencies: in milliseconds, median, p95, p99 and max, and how many."""

from __future__ import annotations

import math
import statistics


def summary(seconds: list[float]) -> dict:
    ordered = sorted(seconds)

    def at(share: float) -> float:
        # Nearest rank: the smallest value at least `share` of them do not exceed (of 2, p95 is the larger).
        return ordered[max(0, math.ceil(len(ordered) * share) - 1)] * 1000

    return {
        "median": statistics.median(ordered) * 1000,
        "p95": at(0.95),
        "p99": at(0.99),
        "max": ordered[-1] * 1000,
        "n": len(ordered),
    }
