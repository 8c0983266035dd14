"""Editors' reports, the queue and the CSV export, through the API, on the desk `make seed-large` writes.

- each report: 20 requests one after another (the latency an editor sees), median and p95;
- the queue: pages with filters from 16 reviewers at once for a few seconds, median and p95 (a lean client:
  tests/bench/lean_http.py);
- the CSV of the whole year (a million rows): rows a second, and how far the API processes' memory rose.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx

from tests.bench.latency import summary
from tests.bench.lean_http import LeanClient
from tests.soak.watch import rss_mb

REPORTS = {
    "summary, 30 days": ("/v1/reports/summary", {}),
    "summary, a year": ("/v1/reports/summary", {"from": "{year_ago}"}),
    "summary, one outlet": ("/v1/reports/summary", {"source": "Wire"}),
    "timeseries verdicts, days of 90": ("/v1/reports/timeseries", {"metric": "verdicts", "from": "{quarter_ago}"}),
    "timeseries backlog, weeks of a year": (
        "/v1/reports/timeseries",
        {"metric": "backlog", "interval": "week", "from": "{year_ago}"},
    ),
    "timeseries created, days of 30": ("/v1/reports/timeseries", {"metric": "claims_created"}),
    "reviewers, 30 days": ("/v1/reports/reviewers", {}),
    "sources, 30 days": ("/v1/reports/sources", {}),
}
QUEUES = [
    {},
    {"state": "unverified"},
    {"source": "Wire", "sort": "age"},
    {"suggested": "disputed", "min_score": "0.8"},
    {"max_age_hours": "72"},
]


async def _reports(http: httpx.AsyncClient, progress) -> dict:
    now = datetime.now(UTC)
    moments = {
        "year_ago": (now - timedelta(days=364)).isoformat(),
        "quarter_ago": (now - timedelta(days=90)).isoformat(),
    }
    figures = {}
    for n, (name, (path, params)) in enumerate(REPORTS.items()):
        params = {k: v.format(**moments) for k, v in params.items()}
        seconds = []
        for _ in range(20):
            started = time.perf_counter()
            answer = await http.get(path, params=params)
            seconds.append(time.perf_counter() - started)
            assert answer.status_code == 200, (path, answer.text[:300])
        figures[name] = summary(seconds)
        progress("reports  ", n + 1, len(REPORTS))
    return figures


async def _queue(base_url: str, reviewer_key: str, seconds: float, concurrency: int) -> dict:
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    async def reviewer(http: LeanClient, k: int) -> None:
        n = k
        while time.monotonic() < deadline:
            started = time.perf_counter()
            status, answer = await http.get("/v1/queue", params=QUEUES[n % len(QUEUES)])
            latencies.append(time.perf_counter() - started)
            assert status == 200, answer[:300]
            n += 1

    auth = {"Authorization": f"Bearer {reviewer_key}"}
    async with LeanClient(base_url, auth, connections=concurrency) as http:
        await asyncio.gather(*(reviewer(http, k) for k in range(concurrency)))
    return summary(latencies) | {"per_s": len(latencies) / seconds}


class _PeakMemory:
    """The highest resident memory of processes together (whichever of the API processes answers), sampled
    every 20 ms from /proc."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.start = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _rss(self) -> float:
        return sum(map(rss_mb, self.pids))

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> _PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()


async def _csv(http: httpx.AsyncClient, api_pids: list[int]) -> dict:
    params = {"from": (datetime.now(UTC) - timedelta(days=366)).isoformat()}
    rows = 0
    with _PeakMemory(api_pids) as memory:
        started = time.perf_counter()
        async with http.stream("GET", "/v1/exports/claims.csv", params=params, timeout=600) as answer:
            assert answer.status_code == 200
            async for chunk in answer.aiter_bytes():
                rows += chunk.count(b"\r\n")
        elapsed = time.perf_counter() - started
    return {
        "rows": rows - 1,
        "rows_per_s": (rows - 1) / elapsed,
        "memory_rise_mb": memory.peak - memory.start,
    }


async def bench_reports(base_url: str, editor_key: str, reviewer_key: str, api_pids: list[int], progress) -> dict:
    async with httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {editor_key}"}, timeout=60
    ) as editor:
        reports = await _reports(editor, progress)
        queue = await _queue(base_url, reviewer_key, seconds=10, concurrency=16)
        export = await _csv(editor, api_pids)
    return {"reports": reports, "queue": queue, "csv": export}
