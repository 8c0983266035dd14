"""`make bench`: ingest through the HTTP API under concurrent load, and the claim extractor alone.

The API runs in its own process (as `make run` runs it) against a database of the benchmark's own; the
load comes from this process. Nothing else runs meanwhile (no relay, no worker), so the figures are the
ingest path's. Options: --seconds, --concurrency, --api-workers, --article FILE (JSON with title and body).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from shared import embedded
from shared.claims.extraction import score_sentences
from shared.schema import upgrade
from tests.bench import article
from tests.conftest import _fresh_database
from tests.support.services import ROOT


def progress(label: str, done: float, total: float, extra: str = "") -> None:
    width = 30
    filled = int(width * min(done / total, 1.0))
    print(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done:5.1f}/{total:g} s {extra}   ",
          end="", file=sys.stderr, flush=True)  # fmt: skip


def bench_extractor(body: str, seconds: float = 5.0) -> float:
    sentences, started, shown = 0, time.perf_counter(), 0.0
    while (elapsed := time.perf_counter() - started) < seconds:
        sentences += len(score_sentences(body))
        if elapsed - shown >= 0.5:
            progress("extractor", elapsed, seconds)
            shown = elapsed
    print(file=sys.stderr)
    return sentences / (time.perf_counter() - started)


async def bench_ingest(base_url: str, title: str, body: str, seconds: float, concurrency: int) -> dict:
    latencies: list[float] = []
    claims = errors = 0
    started = time.perf_counter()
    deadline = started + seconds
    counter = iter(range(10**9))

    async def user(client: httpx.AsyncClient) -> None:
        nonlocal claims, errors
        while time.perf_counter() < deadline:
            payload = {"title": title, "body": body, "source": "bench", "external_id": f"bench-{next(counter)}"}
            sent = time.perf_counter()
            response = await client.post("/v1/articles", json=payload)
            latencies.append(time.perf_counter() - sent)
            if response.status_code == 201:
                claims += len(response.json()["claims"])
            else:
                errors += 1

    async def report() -> None:
        while (now := time.perf_counter()) < deadline:
            progress("ingest   ", now - started, seconds, f"{len(latencies)} articles")
            await asyncio.sleep(0.5)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        await asyncio.gather(report(), *(user(client) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    print(file=sys.stderr)
    ordered = sorted(latencies)
    return {
        "articles": len(latencies),
        "errors": errors,
        "articles_per_s": len(latencies) / elapsed,
        "claims_per_s": claims / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
    }


def wait_for(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the API did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--api-workers", type=int, default=1)
    parser.add_argument("--article", type=Path, help="JSON file with title and body (default: a built-in one)")
    args = parser.parse_args()
    title, body = article.TITLE, article.BODY
    if args.article:
        data = json.loads(args.article.read_text())
        title, body = data["title"], data["body"]

    sentences_per_s = bench_extractor(body)
    with embedded.servers(
        os.environ.get("FACTCHECK_DATABASE_URL"), os.environ.get("FACTCHECK_REDIS_URL"), ROOT / ".data" / "bench"
    ) as (server_url, redis_url):
        database_url = _fresh_database(server_url, "factcheck_bench")
        upgrade(database_url)
        port = embedded.free_port()
        env = os.environ | {"FACTCHECK_DATABASE_URL": database_url, "FACTCHECK_REDIS_URL": redis_url}
        api = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "services.api.app:create_app", "--factory", "--port", str(port),
             "--workers", str(args.api_workers), "--no-access-log", "--log-level", "warning"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_for(base_url, api)
            result = asyncio.run(bench_ingest(base_url, title, body, args.seconds, args.concurrency))
        finally:
            api.terminate()
            api.wait(20)

    print(f"article: {len(body)} characters; concurrency {args.concurrency}; {args.seconds:g} s; "
          f"{args.api_workers} API process(es); {os.cpu_count()} cores")  # fmt: skip
    print(f"extractor alone:  {sentences_per_s:,.0f} sentences/s")
    print(f"ingest over HTTP: {result['articles_per_s']:,.1f} articles/s, {result['claims_per_s']:,.1f} claims/s, "
          f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms "
          f"({result['articles']} articles, {result['errors']} errors)")  # fmt: skip


if __name__ == "__main__":
    main()
