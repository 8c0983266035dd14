"""`make bench`: every figure against its target, as the median of several runs (tests/bench/results.py).
The claim extractor alone, ingest through the HTTP API under concurrent load, verification throughput
against slow sources, and on the desk at scale (`make seed-large`, a million claims):
related claims (tests/bench/related.py), the editors' reports, the queue and the CSV export
(tests/bench/reports.py).

Ingest: the API processes, the relay and a worker run as `make run` starts them, against a database of
the benchmark's own; the load comes from this process. Backfill: `factcheck import`'s own function
(tests/bench/backfill.py). Verification: one worker process and the relay against a loopback server that
adds latency to every answer (tests/bench/verification.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pysbd
import redis
from sqlalchemy import text

from services.api.serve import listening_sockets
from shared import embedded
from shared.auth.keys import create_key
from shared.auth.roles import Role
from shared.claims import extraction
from shared.claims.extraction import extract_claims, score_sentences
from shared.config import Settings
from shared.db import create_engine, session_factory, unit_of_work
from shared.schema import upgrade
from tests.bench import article
from tests.bench.backfill import bench_backfill
from tests.bench.latency import summary
from tests.bench.lean_http import LeanClient
from tests.bench.related import main as bench_related
from tests.bench.reports import bench_reports
from tests.bench.results import Figure, table, write
from tests.bench.seed import large_database
from tests.bench.stall import bench_stall
from tests.bench.verification import bench_verification
from tests.conftest import _fresh_database
from tests.support.services import ROOT, ServiceProcess, running, service_env


def progress(label: str, done: float, total: float, extra: str = "", unit: str = "") -> None:
    width = 30
    filled = int(width * min(done / total, 1.0))
    print(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done:,.0f}/{total:,.0f} {unit} {extra}   ",
          end="", file=sys.stderr, flush=True)  # fmt: skip


def _fresh_desk(server_url: str, redis_url: str) -> str:
    """A new empty database of the benchmark's own, and no message left in the queue: a run leaves some behind
    (the worker verifies more slowly than ingest stores), naming tasks of a database that is gone, and the next
    run's worker would go through them first. The URL of the database."""
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("dramatiq:*"):  # the broker's keys only
        client.delete(key)
    client.close()
    database_url = _fresh_database(server_url, "factcheck_bench")
    upgrade(database_url)
    return database_url


def _sentences_per_s(split: Callable[[str], list], body: str, seconds: float) -> float:
    sentences, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        sentences += len(split(body))
    return sentences / (time.perf_counter() - started)


def bench_extractor(body: str, seconds: float = 1.0) -> tuple[float, float]:
    """(the extractor as ingest runs it: split, score every sentence, explain the claims; pysbd only
    splitting the same text into sentences), in sentences per second on one core, one after the other."""
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    count = len(score_sentences(body))  # what the extractor covers, headings included

    def extract(text: str) -> list:
        extract_claims(text)
        return [None] * count

    return _sentences_per_s(extract, body, seconds), _sentences_per_s(segmenter.segment, body, seconds)


async def bench_ingest(base_url: str, key: str, title: str, body: str, seconds: float, concurrency: int) -> dict:
    latencies: list[float] = []
    claims = errors = 0
    started = time.perf_counter()
    deadline = started + seconds
    counter = iter(range(10**9))
    prefix = f"bench-{time.time_ns()}"  # a new external id every time, in every run

    async def user(client: LeanClient) -> None:
        nonlocal claims, errors
        while time.perf_counter() < deadline:
            payload = {"title": title, "body": body, "source": "bench", "external_id": f"{prefix}-{next(counter)}"}
            sent = time.perf_counter()
            status, answer = await client.post_json("/v1/articles", payload)
            latencies.append(time.perf_counter() - sent)
            if status == 201:
                claims += len(json.loads(answer)["claims"])
            else:
                errors += 1

    async def report() -> None:
        while (now := time.perf_counter()) < deadline:
            progress("ingest   ", now - started, seconds, f"{len(latencies)} articles", unit="s")
            await asyncio.sleep(0.5)

    auth = {"Authorization": f"Bearer {key}"}
    async with LeanClient(base_url, auth, connections=concurrency, timeout=30) as client:
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
    """API processes on one free port of loopback, as `make run` starts them: the base URL and their pids."""
    port = embedded.free_port()
    env = os.environ | {"FACTCHECK_DATABASE_URL": database_url, "FACTCHECK_REDIS_URL": redis_url}
    log_dir = ROOT / ".data" / "bench" / "logs"
    with tempfile.TemporaryDirectory() as metrics_dir, contextlib.ExitStack() as held:
        env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        sockets = [held.enter_context(sock) for sock in listening_sockets("127.0.0.1", port, processes)]
        procs = [ServiceProcess("api", env, log_dir, port=port, sock=sock).start() for sock in sockets]
        try:
            base_url = f"http://127.0.0.1:{port}"
            for proc in procs:
                wait_for(base_url, proc.process)
            yield base_url, [proc.process.pid for proc in procs]
        finally:
            for proc in procs:
                proc.stop()


def _extractor_build() -> str:
    """Whether the extractor runs compiled (make native) or as plain Python."""
    return "plain Python" if extraction.__file__.endswith(".py") else "compiled"


def _figures() -> dict[str, Figure]:
    """Every figure `make bench` gives, with the target each is held to."""
    ms = "ms"
    wanted = [
        ("extractor", f"extractor, one core ({_extractor_build()})", "sentences/s", 20_000, True, "pysbd splitting"),
        ("ingest", "ingest of the sample article, concurrency 16", "articles/s", 400, True, ""),
        ("ingest_p99", "ingest latency p99", ms, 100, False, ""),
        ("stall_p99", "one-claim read p99 while eight 1 MB articles are posted", ms, 500, False, ""),
        ("backfill", "backfill import from JSON Lines", "articles/s", 1_000, True, ""),
        ("backfill_again", "backfill: the same file again (a resumed import)", "articles/s", 1_000, True, ""),
        ("evidence", "evidence fetching, share of the concurrency limit", "%", 80, True, ""),
        ("worker_cpu", "evidence: the worker's CPU for each claim verified", ms, None, False, ""),
        ("match_p95", "related: matching an article's 10 claims p95, 1M claims", ms, 20, False, ""),
        ("related_p95", "related: GET /v1/claims/{id}/related p95, 1M claims", ms, 20, False, ""),
        ("queue_p95", "queue page p95 at concurrency 16, 1M claims", ms, 20, False, ""),
        ("csv", "CSV export, 1M claims", "rows/s", 100_000, True, ""),
        ("csv_memory", "CSV export: API memory rise", "MB", 50, False, ""),
    ]
    return {key: Figure(name, unit, target, higher, reference=ref) for key, name, unit, target, higher, ref in wanted}


def ingest(settings: Settings, title: str, body: str, args, figures: dict[str, Figure]) -> None:
    """Ingest under load, then (unless skipped) light reads while eight 1 MB articles are posted; each run.
    The relay and a worker run meanwhile, as `make run` starts them, and verify the claims as they come
    (with the providers that would reach the internet off: the cited links of the sample are on loopback
    and unanswered, so each task ends quickly)."""
    log_dir = ROOT / ".data" / "bench" / "logs"
    with (
        api(settings.database_url, settings.redis_url, args.api_processes) as (base_url, _pids),
        running("relay", *["worker"] * args.worker_processes, env=service_env(settings), log_dir=log_dir),
    ):
        key = asyncio.run(_key(settings.database_url, Role.integration))
        for run in range(args.runs):
            print(f"run {run + 1} of {args.runs}", file=sys.stderr)
            result = asyncio.run(bench_ingest(base_url, key, title, body, args.seconds, args.concurrency))
            if result["errors"]:
                raise SystemExit(f"ingest: {result['errors']} requests failed")
            figures["ingest"].values.append(result["articles_per_s"])
            figures["ingest_p99"].values.append(result["latency"]["p99"])
            if "stall" not in args.skip:
                figures["stall_p99"].values.append(asyncio.run(bench_stall(base_url, key))["reads"]["p99"])
    claims, tasks = asyncio.run(_claims_and_tasks(settings.database_url))
    if claims != tasks:
        raise SystemExit(f"ingest: {claims} claims stored but {tasks} tasks")


async def _claims_and_tasks(database_url: str) -> tuple[int, int]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            claims = await conn.scalar(text("SELECT count(*) FROM claim"))
            return claims, await conn.scalar(text("SELECT count(*) FROM verification_task"))
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of each benchmark; the table gives their median")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json", help="where the JSON goes")
    parser.add_argument("--seconds", type=float, default=20, help="length of an ingest run")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--api-processes",
        type=int,
        default=Settings.model_fields["api_processes"].get_default(call_default_factory=True),
        help="API processes sharing the port (default: as make run)",
    )
    parser.add_argument(
        "--worker-processes", type=int, default=1, help="worker processes, each with --threads (default: as make run)"
    )
    parser.add_argument("--article", type=Path, help="JSON file with title and body (default: a built-in one)")
    parser.add_argument("--latency", type=float, default=0.2, help="added to every source's answer (s)")
    parser.add_argument("--sources", type=int, default=5, help="sources each claim cites")
    parser.add_argument("--verify-articles", type=int, default=20, help="articles whose claims are verified")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (tasks at once)")
    parser.add_argument("--large-claims", type=int, default=1_000_000, help="claims of the desk at scale (seed-large)")
    parser.add_argument("--related-articles", type=int, default=100, help="new articles matched against them")
    parser.add_argument("--backfill-articles", type=int, default=1_000, help="articles of the archive imported")
    parser.add_argument(
        "--skip", choices=["ingest", "stall", "backfill", "verify", "related", "reports"], action="append", default=[]
    )
    args = parser.parse_args()
    title, body = article.TITLE, article.BODY
    if args.article:
        data = json.loads(args.article.read_text())
        title, body = data["title"], data["body"]
    figures = _figures()
    report_figures: dict[str, Figure] = {}
    plans: dict[str, str] = {}

    for run in range(args.runs):
        ours, pysbd_rate = bench_extractor(body)
        figures["extractor"].values.append(ours)
        figures["extractor"].reference_values.append(pysbd_rate)
        progress("extractor", run + 1, args.runs, unit="runs")
    print(file=sys.stderr)
    with embedded.servers(
        os.environ.get("FACTCHECK_DATABASE_URL"), os.environ.get("FACTCHECK_REDIS_URL"), ROOT / ".data" / "bench"
    ) as (server_url, redis_url):
        database_url = _fresh_desk(server_url, redis_url)
        settings = Settings(database_url=database_url, redis_url=redis_url, _env_file=None)
        if "ingest" not in args.skip:
            ingest(settings, title, body, args, figures)
        for _ in range(0 if "backfill" in args.skip else args.runs):
            first, again = bench_backfill(settings, title, body, args.backfill_articles, progress)
            figures["backfill"].values.append(first)
            figures["backfill_again"].values.append(again)
            print(file=sys.stderr)
        for _ in range(0 if "verify" in args.skip else args.runs):
            database_url = _fresh_desk(server_url, redis_url)
            verified = bench_verification(
                settings.model_copy(update={"database_url": database_url}), title, body,
                latency=args.latency, sources=args.sources, articles=args.verify_articles, threads=args.threads,
                processes=args.worker_processes, log_dir=ROOT / ".data" / "bench" / "logs",
            )  # fmt: skip
            if verified["failed"]:
                raise SystemExit(f"verification: {verified['failed']} tasks failed")
            figures["evidence"].values.append(100 * verified["claims_per_s"] / verified["limit_per_s"])
            figures["worker_cpu"].values.append(verified["worker_cpu_ms_per_claim"])
        if "related" not in args.skip:
            large_url = large_database(server_url, args.large_claims)
            with api(large_url, redis_url, args.api_processes) as (base_url, pids):
                key = asyncio.run(_key(large_url, Role.reviewer))
                editor = asyncio.run(_key(large_url, Role.editor))
                for _ in range(args.runs):
                    related = bench_related(
                        large_url, args.large_claims, args.related_articles, 200, progress, base_url, key
                    )
                    figures["match_p95"].values.append(related["match_ms"]["p95"])
                    figures["related_p95"].values.append(related["related_ms"]["p95"])
                    plans = related["plans"]
                    if "reports" in args.skip:
                        continue
                    reports = asyncio.run(bench_reports(base_url, editor, key, pids, progress))
                    print(file=sys.stderr)
                    for name, r in reports["reports"].items():
                        report_figures.setdefault(name, Figure(f"report {name} p95, 1M claims", "ms", 200, False))
                        report_figures[name].values.append(r["p95"])
                    figures["queue_p95"].values.append(reports["queue"]["p95"])
                    figures["csv"].values.append(reports["csv"]["rows_per_s"])
                    figures["csv_memory"].values.append(reports["csv"]["memory_rise_mb"])

    every = [*figures.values(), *report_figures.values()]
    about = {
        "cores": os.cpu_count(),
        "api_processes": args.api_processes,
        "worker_processes": args.worker_processes,
        "runs": args.runs,
        "article_characters": len(body),
        "claims_at_scale": args.large_claims,
    }
    write(every, args.out, about)
    print(f"\n{args.runs} runs each; article of {len(body)} characters; {os.cpu_count()} cores; {args.api_processes} "
          f"API and {args.worker_processes} worker processes; written to {args.out}\n")  # fmt: skip
    print(table(every))
    for name, plan in plans.items():
        print(f"\nplan of the {name} lookup:\n{plan}")


if __name__ == "__main__":
    main()
