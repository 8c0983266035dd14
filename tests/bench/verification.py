"""Verification throughput: claims verified per second by the worker processes (one unless asked) against slow
sources.

Every claim cites the same few sources on a loopback server that adds a fixed latency to every answer.
The figure is set against two others: the limit the concurrency settings allow (requests in flight, each
process its own limit, ÷ latency ÷ sources per claim), and the same sources fetched one after another.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from shared.articles.ingest import ingest_article
from shared.articles.schemas import ArticleCreate
from shared.config import Settings
from shared.db import create_engine, session_factory, unit_of_work
from shared.evidence.fetcher import SafeFetcher, new_http_client
from shared.evidence.providers.base import ClaimContext
from shared.evidence.scoring import finding_from_page
from shared.verification.models import VerificationTask
from tests.soak.watch import cpu_seconds, process_tree
from tests.support.services import running, service_env
from tests.support.web import serve

SOURCE_PAGE = """<html><head><title>Port of Halvorsen: the strike in figures</title></head><body><article>
<p>Dock workers extended the strike into a third week, with about 40,000 containers waiting offshore.</p>
<p>The union said 2,300 members voted to continue; the authority offered a 6.5% pay rise over two years.</p>
<p>At least 27 vessels have been diverted to neighbouring ports, the shipping council reported.</p>
</article></body></html>"""


def _slow_page(latency: float):
    def handler(ex) -> None:
        if ex.sleep(latency):
            body = SOURCE_PAGE.encode()
            ex.start(200, {"Content-Length": str(len(body))})
            ex.write(body)

    return handler


def _progress(done: int, total: int, elapsed: float) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    print(f"\rverify    [{'#' * filled}{'.' * (width - filled)}] {done}/{total} claims, {elapsed:5.1f} s   ",
          end="", file=sys.stderr, flush=True)  # fmt: skip


async def _post_articles(settings: Settings, title: str, body: str, links: list[str], count: int) -> int:
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    claims = 0
    for i in range(count):
        data = ArticleCreate(title=title, body=body, source="bench-verify", external_id=f"v-{i}", links=links)
        async with unit_of_work(sessions) as session:
            result = await ingest_article(session, data, max_body_bytes=10**6, claim_threshold=0.5)
        claims += len(result.claims)
    await engine.dispose()
    return claims


async def _wait_until_finished(settings: Settings, total: int) -> tuple[float, int]:
    """Seconds from the first task written to the last finished (database clocks), and how many failed."""
    engine = create_engine(settings.database_url)
    started = time.monotonic()
    try:
        while True:
            async with engine.connect() as conn:
                finished = await conn.scalar(
                    select(func.count()).where(VerificationTask.status.in_(["done", "failed"]))
                )
            _progress(finished, total, time.monotonic() - started)
            if finished >= total:
                break
            await asyncio.sleep(0.25)
        async with engine.connect() as conn:
            first, last, failed = (
                await conn.execute(
                    select(
                        func.min(VerificationTask.created_at),
                        func.max(VerificationTask.finished_at),
                        func.count().filter(VerificationTask.status == "failed"),
                    )
                )
            ).one()
    finally:
        await engine.dispose()
    print(file=sys.stderr)
    return (last - first).total_seconds(), failed


async def _one_after_another(urls: list[str], claims: int, env: dict[str, str]) -> float:
    """Claims per second when each claim's sources are fetched and read one after another."""
    settings = Settings(fetch_allow_hosts=env["FACTCHECK_FETCH_ALLOW_HOSTS"], _env_file=None)
    claim = ClaimContext(1, "About 40,000 containers are waiting offshore.", None, [], "en", None, [], "")
    async with new_http_client() as client:
        fetcher = SafeFetcher.from_settings(client, settings)
        started = time.perf_counter()
        for _ in range(claims):
            for url in urls:
                finding_from_page("bench", claim, url, await fetcher.fetch(url))
        return claims / (time.perf_counter() - started)


def bench_verification(
    settings: Settings, title: str, body: str, *, latency: float, sources: int, articles: int, threads: int,
    processes: int, log_dir: Path,
) -> dict:  # fmt: skip
    concurrency = 32
    with serve() as web:
        links = [web.url(f"/source/{i}") for i in range(sources)]
        for i in range(sources):
            web.handle(f"/source/{i}", _slow_page(latency))
        env = service_env(
            settings,
            FACTCHECK_FETCH_ALLOW_HOSTS="127.0.0.1",
            FACTCHECK_FETCH_CONCURRENCY=str(concurrency),
            # Every source is on one loopback host here; the per-host limit would otherwise be the bound.
            FACTCHECK_FETCH_PER_HOST=str(concurrency),
            FACTCHECK_RELAY_INTERVAL_SECONDS="0.5",
            FACTCHECK_WORKER_THREADS=str(threads),
        )
        with running("relay", *["worker"] * processes, env=env, log_dir=log_dir) as (_relay, *workers):
            time.sleep(2)  # let the worker boot, so the figure is the steady state
            # Each worker forks the processes that do the work (by now: they fork as the worker starts): its whole
            # tree is counted.
            trees = [pid for worker in workers for pid in process_tree(worker.process.pid)]
            if len(trees) <= len(workers):
                raise SystemExit("verification: the workers have not started their processes")
            cpu_before = cpu_seconds(trees)
            total = asyncio.run(_post_articles(settings, title, body, links, articles))
            seconds, failed = asyncio.run(_wait_until_finished(settings, total))
            worker_cpu = cpu_seconds(trees) - cpu_before
        sequential = asyncio.run(_one_after_another(links, 3, env))
    in_flight = processes * min(threads * sources, concurrency)  # each process has its own limit
    return {
        "claims": total,
        "failed": failed,
        "claims_per_s": total / seconds,
        "limit_per_s": in_flight / latency / sources,
        "in_flight": in_flight,
        "sequential_per_s": sequential,
        "worker_cpu_ms_per_claim": 1000 * worker_cpu / total,  # what bounds the share once the worker is busy
    }
