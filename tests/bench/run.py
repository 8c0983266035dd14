"""`make bench`: the claim extractor alone, ingest through the HTTP API under concurrent load,
verification throughput against slow sources, and on the desk at scale (`make seed-large`, a million claims):
related claims (tests/bench/related.py), the editors' reports, the queue and the CSV export
(tests/bench/reports.py).

Ingest: the API runs in its own process (as `make run` runs it) against a database of the benchmark's
own; the load comes from this process, and no relay or worker runs meanwhile. Verification: one worker
process and the relay against a loopback server that adds latency to every answer (tests/bench/verification.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pysbd

from services.api.serve import listening_sockets
from services.cli import commands
from shared import embedded
from shared.auth.keys import create_key
from shared.auth.roles import Role
from shared.claims.extraction import extract_claims, score_sentences
from shared.config import Settings
from shared.db import create_engine, session_factory, unit_of_work
from shared.schema import upgrade
from tests.bench import article
from tests.bench.latency import summary
from tests.bench.related import main as bench_related
from tests.bench.reports import bench_reports
from tests.bench.seed import large_database
from tests.bench.stall import bench_stall
from tests.bench.verification import bench_verification
from tests.conftest import _fresh_database
from tests.support.services import ROOT


def progress(label: str, done: float, total: float, extra: str = "") -> None:
    width = 30
    filled = int(width * min(done / total, 1.0))
    print(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done:5.1f}/{total:g} s {extra}   ",
          end="", file=sys.stderr, flush=True)  # fmt: skip


def _sentences_per_s(label: str, split: Callable[[str], list], body: str, runs: int, seconds: float) -> float:
    """Median over ``runs`` timed runs of ``seconds`` each: the machine is shared and noisy."""
    rates = []
    for run in range(runs):
        sentences, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            sentences += len(split(body))
        rates.append(sentences / (time.perf_counter() - started))
        progress(f"{label:9}", run + 1, runs)
    print(file=sys.stderr)
    return statistics.median(rates)


def bench_extractor(body: str, runs: int = 5, seconds: float = 1.0) -> tuple[float, float]:
    """(the extractor as ingest runs it: split, score every sentence, explain the claims; pysbd only
    splitting the same text into sentences), in sentences per second on one core, measured in turns."""
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    count = len(score_sentences(body))  # what the extractor covers, headings included

    def extract(text: str) -> list:
        extract_claims(text)
        return [None] * count

    ours = _sentences_per_s("extractor", extract, body, runs, seconds)
    reference = _sentences_per_s("pysbd", segmenter.segment, body, runs, seconds)
    return ours, reference


async def bench_ingest(base_url: str, key: str, title: str, body: str, seconds: float, concurrency: int) -> dict:
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
    auth = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30, headers=auth) as client:
        await asyncio.gather(report(), *(user(client) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    print(file=sys.stderr)
    return {
        "articles": len(latencies),
        "errors": errors,
        "articles_per_s": len(latencies) / elapsed,
        "claims_per_s": claims / elapsed,
        "latency": summary(latencies),
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


async def _key(database_url: str, role: Role) -> str:
    engine = create_engine(database_url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            return (await create_key(session, f"bench {role.value} {time.time_ns()}", role))[1]
    finally:
        await engine.dispose()


@contextmanager
def api(database_url: str, redis_url: str, processes: int = 1) -> Iterator[tuple[str, list[int]]]:
    """API processes on a free port of loopback, as `make run` starts them: the base URL and their pids."""
    port = embedded.free_port()
    env = os.environ | {"FACTCHECK_DATABASE_URL": database_url, "FACTCHECK_REDIS_URL": redis_url,
                        "FACTCHECK_LOG_FORMAT": "text"}  # fmt: skip
    with tempfile.TemporaryDirectory() as metrics_dir, contextlib.ExitStack() as held:
        env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        argv = commands("127.0.0.1", port, 1)["api"]
        procs = []
        for sock in listening_sockets("127.0.0.1", port, processes):
            held.enter_context(sock)
            procs.append(subprocess.Popen([*argv, "--fd", str(sock.fileno())], cwd=ROOT, env=env,
                                          pass_fds=(sock.fileno(),)))  # fmt: skip
        try:
            base_url = f"http://127.0.0.1:{port}"
            for proc in procs:
                wait_for(base_url, proc)
            yield base_url, [proc.pid for proc in procs]
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(20)


def ingest(settings: Settings, title: str, body: str, args) -> tuple[dict, dict | None]:
    """Ingest under load, then (unless skipped) light reads while eight 1 MB articles are posted."""
    with api(settings.database_url, settings.redis_url, args.api_processes) as (base_url, _pids):
        key = asyncio.run(_key(settings.database_url, Role.integration))
        result = asyncio.run(bench_ingest(base_url, key, title, body, args.seconds, args.concurrency))
        stalled = None if "stall" in args.skip else asyncio.run(bench_stall(base_url, key))
        return result, stalled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--api-processes",
        type=int,
        default=Settings.model_fields["api_processes"].get_default(call_default_factory=True),
        help="API processes sharing the port (default: as make run)",
    )
    parser.add_argument("--article", type=Path, help="JSON file with title and body (default: a built-in one)")
    parser.add_argument("--latency", type=float, default=0.2, help="added to every source's answer (s)")
    parser.add_argument("--sources", type=int, default=5, help="sources each claim cites")
    parser.add_argument("--verify-articles", type=int, default=20, help="articles whose claims are verified")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (tasks at once)")
    parser.add_argument("--large-claims", type=int, default=1_000_000, help="claims of the desk at scale (seed-large)")
    parser.add_argument("--related-articles", type=int, default=100, help="new articles matched against them")
    parser.add_argument(
        "--skip", choices=["ingest", "stall", "verify", "related", "reports"], action="append", default=[]
    )
    args = parser.parse_args()
    title, body = article.TITLE, article.BODY
    if args.article:
        data = json.loads(args.article.read_text())
        title, body = data["title"], data["body"]

    sentences_per_s, pysbd_per_s = bench_extractor(body)
    with embedded.servers(
        os.environ.get("FACTCHECK_DATABASE_URL"), os.environ.get("FACTCHECK_REDIS_URL"), ROOT / ".data" / "bench"
    ) as (server_url, redis_url):
        database_url = _fresh_database(server_url, "factcheck_bench")
        upgrade(database_url)
        settings = Settings(database_url=database_url, redis_url=redis_url, _env_file=None)
        result, stalled = (None, None) if "ingest" in args.skip else ingest(settings, title, body, args)
        if "verify" not in args.skip:
            database_url = _fresh_database(server_url, "factcheck_bench")
            upgrade(database_url)
            verified = bench_verification(
                settings.model_copy(update={"database_url": database_url}), title, body,
                latency=args.latency, sources=args.sources, articles=args.verify_articles, threads=args.threads,
                log_dir=ROOT / ".data" / "bench" / "logs",
            )  # fmt: skip
        if "related" not in args.skip:
            large_url = large_database(server_url, args.large_claims)
            with api(large_url, redis_url) as (base_url, (pid,)):
                key = asyncio.run(_key(large_url, Role.reviewer))
                related = bench_related(
                    large_url, args.large_claims, args.related_articles, 200, progress, base_url, key
                )
                if "reports" not in args.skip:
                    editor = asyncio.run(_key(large_url, Role.editor))
                    reports = asyncio.run(bench_reports(base_url, editor, key, pid, progress))
                    print(file=sys.stderr)

    print(f"article: {len(body)} characters; {os.cpu_count()} cores")
    print(f"extractor alone:  {sentences_per_s:,.0f} sentences/s on one core (split, scored by the model, claims "
          f"explained), {sentences_per_s / pysbd_per_s:.1f}x pysbd only splitting the same text "
          f"({pysbd_per_s:,.0f} sentences/s); medians of 5 runs")  # fmt: skip
    if result:
        print(f"ingest over HTTP: {result['articles_per_s']:,.1f} articles/s, {result['claims_per_s']:,.1f} claims/s, "
              f"p50 {result['latency']['median']:.1f} ms, p99 {result['latency']['p99']:.1f} ms "
              f"({result['articles']} articles, {result['errors']} errors; concurrency {args.concurrency}, "
              f"{args.seconds:g} s, {args.api_processes} API process(es))")  # fmt: skip
    if stalled:
        st = stalled
        print(f"heavy and light:  {st['large']} articles of 1 MB posted at once took {st['seconds']:.1f} s; meanwhile "
              f"GET /v1/claims/{{id}} {st['reads']['median']:.0f} ms median, p99 {st['reads']['p99']:.0f} ms, max "
              f"{st['reads']['max']:.0f} ms ({st['reads']['n']} reads; {args.api_processes} API)")  # fmt: skip
    if "verify" not in args.skip:
        v = verified
        share = v["claims_per_s"] / v["limit_per_s"]
        print(f"verification:     {v['claims_per_s']:,.1f} claims/s = {share:.0%} of the "
              f"limit {v['limit_per_s']:,.1f} ({v['in_flight']} requests in flight / {args.latency:g} s / "
              f"{args.sources} sources), {v['claims_per_s'] / v['sequential_per_s']:,.1f}x one-after-another "
              f"({v['sequential_per_s']:,.2f} claims/s); {v['claims']} claims, {v['failed']} failed; "
              f"1 worker process, {args.threads} threads")  # fmt: skip
    if "related" not in args.skip:
        m, r = related["match_ms"], related["related_ms"]
        print(f"related claims:   with {related['claims']:,} claims stored, matching an article's 10 claims "
              f"{m['median']:.1f} ms median, p95 {m['p95']:.1f} ms ({m['n']} articles; "
              f"{related['reworded_linked']:.0%} of the reworded claims linked); "
              f"GET /v1/claims/{{id}}/related over HTTP {r['median']:.1f} ms median, p95 {r['p95']:.1f} ms "
              f"({r['n']} lookups)")  # fmt: skip
        if "reports" not in args.skip:
            print(f"reports (with {args.large_claims:,} claims; 20 requests each, one at a time):")
            for name, r in reports["reports"].items():
                print(f"  {name:38} {r['median']:7.1f} ms median, p95 {r['p95']:7.1f} ms")
            q, c = reports["queue"], reports["csv"]
            print(f"queue pages:      {q['median']:.1f} ms median, p95 {q['p95']:.1f} ms, {q['per_s']:,.0f} pages/s "
                  f"(16 reviewers at once, 5 filter sets, 10 s)")  # fmt: skip
            print(f"CSV export:       {c['rows']:,} rows, {c['rows_per_s']:,.0f} rows/s, API memory rose "
                  f"{c['memory_rise_mb']:.0f} MB")  # fmt: skip
        for name, plan in related["plans"].items():
            print(f"\nplan of the {name} lookup:\n{plan}")


if __name__ == "__main__":
    main()
