"""A backfill: articles from a JSON Lines file, through the ingest code every other path uses.

One article a line, in the schema of POST /v1/articles. Lines go in batches, one transaction each, so an
interrupted import keeps every batch it finished. While a batch is written, the next one's claims are
extracted in processes of their own, one a core (at a lower priority, beside a running service). Running
it again finds those articles present (their `source` and `external_id`, or their content), extracts and
creates only the rest: an interrupted import resumed goes through what it stored at the speed of reading.
A line that is not an article is reported with its number and why, and the others go on.
An archive is not news: its articles tell the sender's webhook subscriptions nothing, unless asked
(`events`).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.articles.ingest import claim_rows, ingest_each, stored_already
from shared.articles.schemas import ArticleCreate
from shared.claims.offload import extraction_pool
from shared.config import Settings
from shared.errors import AppError

BATCH = 100


@dataclass
class Summary:
    created: int = 0
    present: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, why)

    @property
    def lines(self) -> int:
        return self.created + self.present + len(self.rejected)


def count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip())


def _read(path: Path) -> Iterator[tuple[int, ArticleCreate | str]]:
    """(line number, the article or why the line is not one), blank lines skipped."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                yield number, ArticleCreate.model_validate(json.loads(raw))
            except (ValueError, RecursionError) as e:  # JSONDecodeError, UnicodeDecodeError, a 5,000-digit number
                yield number, f"not valid JSON: {e}"
            except ValidationError as e:
                yield number, "; ".join(f"{'.'.join(map(str, x['loc'])) or 'line'}: {x['msg']}" for x in e.errors()[:5])


async def backfill(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    path: Path,
    *,
    submitted_by: str,
    progress: Callable[[int], None] = lambda _lines: None,
    summary: Summary | None = None,
    events: bool = False,
) -> Summary:
    """Import the file; `summary` (if given) holds what was committed so far, also when interrupted."""
    summary = summary if summary is not None else Summary()
    workers = os.cpu_count() or 1
    pool = extraction_pool(workers)
    written = extracting = None  # the batch to write next, with its claims; the claims of the one after
    try:
        for batch in _batches(_read(path)):
            extracting = _extract(sessions, pool, workers, batch, settings.claim_threshold)
            if written is not None:
                await _ingest(sessions, settings, *written, submitted_by, summary, events)
                progress(len(written[0]))
            written = (batch, extracting)
        if written is not None:
            await _ingest(sessions, settings, *written, submitted_by, summary, events)
            progress(len(written[0]))
    finally:
        for future in (extracting, written[1] if written else None):
            if future is not None:
                future.cancel()  # interrupted: claims still being extracted are not wanted (a done one stays)
        pool.shutdown(wait=False, cancel_futures=True)
    return summary


def _batches(items: Iterator[tuple[int, ArticleCreate | str]]) -> Iterator[list[tuple[int, ArticleCreate | str]]]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _extract(
    sessions: async_sessionmaker[AsyncSession], pool: ProcessPoolExecutor, workers: int, batch, threshold: float
) -> asyncio.Future[list[list[dict] | None]]:
    """The claim rows of the batch's articles, in order, worked out by the pool's processes at once; None for
    an article stored already (one the batch before stores is not known yet: ingest then finds it stored)."""
    articles = [item for _, item in batch if not isinstance(item, str)]
    loop = asyncio.get_running_loop()

    async def joined() -> list[list[dict] | None]:
        async with sessions() as session:
            stored = await stored_already(session, articles)
        bodies = [article.body for article, present in zip(articles, stored, strict=True) if not present]
        share = max(1, -(-len(bodies) // workers))  # a part for each process (ceiling division)
        parts = [
            loop.run_in_executor(pool, _rows_of, bodies[start : start + share], threshold)
            for start in range(0, len(bodies), share)
        ]
        extracted = iter([rows for part in await asyncio.gather(*parts) for rows in part])
        return [None if present else next(extracted) for present in stored]

    return asyncio.ensure_future(joined())


def _rows_of(bodies: list[str], threshold: float) -> list[list[dict]]:
    return [claim_rows(body, threshold) for body in bodies]


async def _ingest(
    sessions, settings: Settings, batch, extracting, submitted_by: str, summary: Summary, events: bool
) -> None:
    articles = [(number, item) for number, item in batch if not isinstance(item, str)]
    rows = await extracting

    async def write() -> list:
        async with sessions() as session, session.begin():
            return await ingest_each(
                session,
                [article for _, article in articles],
                max_body_bytes=settings.max_body_bytes,
                claim_threshold=settings.claim_threshold,
                submitted_by=submitted_by,
                events=events,
                rows=rows,
            )

    # Interrupted (Ctrl-C) while the batch is written, the write still ends and is counted before the import
    # stops: its commit may have reached the database already, and the summary must say what is stored.
    writing = asyncio.ensure_future(write())
    try:
        outcomes = await asyncio.shield(writing)
    except asyncio.CancelledError:
        _count(batch, articles, await writing, summary)
        raise
    _count(batch, articles, outcomes, summary)


def _count(batch, articles, outcomes: list, summary: Summary) -> None:
    """The batch's outcomes added to ``summary``, once it is committed: a batch never written counts nothing."""
    rejected = [(number, item) for number, item in batch if isinstance(item, str)]
    for (number, _), outcome in zip(articles, outcomes, strict=True):
        if isinstance(outcome, AppError):
            rejected.append((number, outcome.message))
        elif outcome.created:
            summary.created += 1
        else:
            summary.present += 1
    summary.rejected += sorted(rejected)
