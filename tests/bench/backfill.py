"""Backfill: an archive of distinct articles imported from a JSON Lines file, as `factcheck import` does it
(the same function, two connections, batches of 100 in one transaction each), into the benchmark's database."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path

from shared.articles.backfill import Summary, backfill
from shared.config import Settings
from shared.db import create_engine, session_factory


def bench_backfill(settings: Settings, title: str, body: str, articles: int, progress) -> tuple[float, float]:
    """Articles a second, from reading the file to the last commit: the first import, then the same file again
    (as an interrupted import is resumed: every article is found stored)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "archive.jsonl"
        prefix = f"archive-{time.time_ns()}"
        lines = (
            json.dumps({"title": title, "body": body, "source": "bench-archive", "external_id": f"{prefix}-{n}"})
            for n in range(articles)
        )
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        rates = []
        for wanted in ((articles, 0), (0, articles)):  # (created, present)
            summary, seconds = _import(settings, path, articles, progress)
            if (summary.created, summary.present) != wanted:
                raise SystemExit(f"backfill: {summary.created} created and {summary.present} present of {articles}; "
                                 f"{summary.rejected[:3]}")  # fmt: skip
            rates.append(articles / seconds)
    return rates[0], rates[1]


def _import(settings: Settings, path: Path, articles: int, progress) -> tuple[Summary, float]:
    """What `factcheck import` of the file stored, and the seconds it took."""
    summary, done = Summary(), [0]

    def advance(lines: int) -> None:
        done[0] += lines
        progress("backfill ", done[0], articles)

    async def work() -> None:
        engine = create_engine(settings.database_url, pool_size=2, max_overflow=0)  # as `factcheck import`
        try:
            await backfill(session_factory(engine), settings, path, submitted_by="bench", progress=advance,
                           summary=summary)  # fmt: skip
        finally:
            await engine.dispose()

    started = time.perf_counter()
    asyncio.run(work())
    return summary, time.perf_counter() - started
