"""Backfill: an archive of distinct articles imported from a JSON Lines file, as `factcheck import` does it
(the same function, one connection, batches of 100 in one transaction each), into the benchmark's database."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path

from shared.articles.backfill import Summary, backfill
from shared.config import Settings
from shared.db import create_engine, session_factory


def bench_backfill(settings: Settings, title: str, body: str, articles: int, progress) -> float:
    """Articles a second, from reading the file to the last commit."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "archive.jsonl"
        prefix = f"archive-{time.time_ns()}"
        lines = (
            json.dumps({"title": title, "body": body, "source": "bench-archive", "external_id": f"{prefix}-{n}"})
            for n in range(articles)
        )
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        summary, done = Summary(), [0]

        def advance(lines: int) -> None:
            done[0] += lines
            progress("backfill ", done[0], articles)

        async def work() -> None:
            engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
            try:
                await backfill(session_factory(engine), settings, path, submitted_by="bench", progress=advance,
                               summary=summary)  # fmt: skip
            finally:
                await engine.dispose()

        started = time.perf_counter()
        asyncio.run(work())
        elapsed = time.perf_counter() - started
    if summary.created != articles:
        raise SystemExit(f"backfill: {summary.created} of {articles} articles created; {summary.rejected[:3]}")
    return articles / elapsed
