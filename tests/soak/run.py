"""`make soak`: the whole service under a steady mixed load for `--minutes` (10), then a drain. Exits non-zero
when a request failed, the queue did not drain, work failed, or a process's memory grew past the margin.

What runs: the API (`--api-processes`, as many as `make run` starts, on one port), the outbox relay and a
worker, as real processes started the way `make run` starts them, against a database of the soak's own
(`--database`, factcheck_soak, made afresh) and a Redis db of its own (`--redis-db`: the one
FACTCHECK_REDIS_URL names, else 14; emptied first), on the servers FACTCHECK_DATABASE_URL /
FACTCHECK_REDIS_URL name or, when unset, on embedded ones in .data/soak.
Every provider reads the loopback source world (tests/support/source_world.py) and the integration's webhooks
go to a loopback receiver: nothing leaves the machine.

The load (tests/soak/load.py): articles posted and pushed by signed webhook, the queue, claims and their
history read, claims taken and released, moved with If-Match, deliveries read. Before it, a warm-up makes
each kind of request once and waits until the work it caused is done, so that "start" memory is that of
processes that have done everything once (and not of processes still importing and filling their caches).

Printed at the end: requests and errors; latency per kind of request; the work waiting (verification tasks,
webhook deliveries, messages in Redis) every `--sample-seconds` and after the drain; webhook deliveries made,
delivered and received; each process's memory with its children at boot, at start and at the end (after the
drain); errors in the services' logs. The logs stay in `--log-dir`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import redis
from cryptography.fernet import Fernet

from services.api.serve import listening_sockets
from services.cli import _in_session
from shared import embedded
from shared.auth.keys import create_key
from shared.auth.roles import Role
from shared.config import Settings
from shared.db import create_engine
from shared.schema import upgrade
from tests.bench.latency import summary
from tests.bench.run import wait_for
from tests.conftest import _fresh_database
from tests.soak.load import Desk, Keys, Rates, Recorder, stories
from tests.soak.receiver import Receiver, receiver
from tests.soak.watch import Depth, Gauge, Memory, Peak, memory_of
from tests.support.services import ROOT, ServiceProcess, service_env
from tests.support.source_world import SourceWorld, source_world

DATA = ROOT / ".data" / "soak"
DEFAULT_REDIS_DB = 14  # when the Redis URL names none: apart from the tests' 15 and a service's usual 0
INTEGRATION = "Soak CMS"
PEAK_SECONDS = 2.0  # between two looks at the queue for its peak
# A line a service logged at ERROR or worse, in the JSON lines the services write or as plain text.
LOGGED_ERROR = re.compile(r'"level": ?"(error|critical)"|\b(ERROR|CRITICAL)\b|^Traceback', re.MULTILINE)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10, help="how long the load runs (default 10)")
    parser.add_argument("--articles-per-minute", type=float, default=10, help="posted with a key (default 10)")
    parser.add_argument("--reads-per-second", type=float, default=3, help="queue, claims and claim reads (3)")
    parser.add_argument("--transitions-per-minute", type=float, default=20, help="editor's moves (default 20)")
    parser.add_argument(
        "--api-processes",
        type=int,
        default=Settings.model_fields["api_processes"].get_default(call_default_factory=True),
        help="API processes sharing the port (default: as make run)",
    )
    parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    parser.add_argument("--sample-seconds", type=float, default=30, help="between two looks at the queue (30)")
    parser.add_argument("--drain-seconds", type=float, default=180, help="longest wait for the queue to drain")
    parser.add_argument("--memory-margin", type=float, default=20, help="allowed growth in %% of start (20)")
    parser.add_argument("--memory-slack-mb", type=float, default=25, help="allowed growth in MB at least (25)")
    parser.add_argument("--database", default="factcheck_soak", help="the soak's database, dropped and made anew")
    parser.add_argument("--redis-db", type=int, help="the soak's Redis db, emptied (default: the URL's, else 14)")
    parser.add_argument("--log-dir", type=Path, default=DATA / "logs", help="where the services' logs go")
    return parser.parse_args(argv)


# The servers and the service's processes.


def own_redis_db(redis_url: str, db: int | None) -> str:
    """The URL of the soak's Redis db: `db`, else the one the URL names, else DEFAULT_REDIS_DB."""
    parts = urlsplit(redis_url)
    named = parts.path.strip("/")
    chosen = db if db is not None else int(named) if named.isdigit() else DEFAULT_REDIS_DB
    return parts._replace(path=f"/{chosen}").geturl()


def fresh_settings(server_url: str, redis_url: str, args: argparse.Namespace) -> Settings:
    """A new database with the migrations applied, an emptied Redis db (ids restart: old messages must go),
    and a secret key of this run's own, which every process shares."""
    database_url = _fresh_database(server_url, args.database)
    upgrade(database_url)
    redis_url = own_redis_db(redis_url, args.redis_db)
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    secret_key = Fernet.generate_key().decode()
    return Settings(database_url=database_url, redis_url=redis_url, secret_key=secret_key, _env_file=None)


@dataclass
class Service:
    name: str
    process: ServiceProcess

    @property
    def alive(self) -> bool:
        return self.process.process is not None and self.process.process.poll() is None

    def memory(self) -> Memory:
        return memory_of(self.process.process.pid)

    def logged_errors(self) -> list[str]:
        return [line for line in self.process.log().splitlines() if LOGGED_ERROR.search(line)]


@contextmanager
def started(env: dict[str, str], api_processes: int, log_dir: Path) -> Iterator[tuple[list[Service], list[str]]]:
    """The API processes, a relay and a worker; yields them and the API's base URLs. Stopped in the order
    `factcheck run` stops them: the API first, so nothing new comes in, then the relay and the worker."""
    port = embedded.free_port()
    sockets = listening_sockets("127.0.0.1", port, api_processes)  # one port for all, as `factcheck run` does
    apis = [ServiceProcess("api", env, log_dir, port=port, sock=sock) for sock in sockets]
    services = [Service("api" if api_processes == 1 else f"api-{i + 1}", api) for i, api in enumerate(apis)]
    services += [Service(kind, ServiceProcess(kind, env, log_dir)) for kind in ("relay", "worker")]
    try:
        for service in services:
            service.process.start()
        url = f"http://127.0.0.1:{port}"
        for api in apis:
            wait_for(url, api.process)
        yield services, [url] * api_processes  # a client for each process; the kernel spreads their connections
    finally:
        for service in services:
            service.process.stop()
        for sock in sockets:
            sock.close()


# The run.


@dataclass
class Sample:
    seconds: float  # since the load started
    depth: Depth
    peak: Peak  # since the sample before
    memory: dict[str, Memory]


@dataclass
class Outcome:
    args: argparse.Namespace
    services: list[Service]
    warm_up: Recorder
    load: Recorder
    boot: dict[str, Memory]
    start: dict[str, Memory]
    end: dict[str, Memory] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    warm_up_depth: Depth | None = None
    final_depth: Depth | None = None
    drain_seconds: float = 0.0
    load_seconds: float = 0.0
    hook: Receiver | None = None
    died: set[str] = field(default_factory=set)
    peak: Peak = field(default_factory=Peak)  # since the last sample

    def all_running(self) -> bool:
        """False once a process of the service has died (it is named in `died`)."""
        self.died |= {service.name for service in self.services if not service.alive}
        return not self.died


def memory(services: list[Service]) -> dict[str, Memory]:
    return {service.name: service.memory() for service in services}


async def make_keys(database_url: str) -> Keys:
    """One key a role the load needs; the integration's is named as the integration, so its posts are its own."""
    wanted = {
        "admin": ("Soak admin", Role.admin),
        "editor": ("Soak editor", Role.editor),
        "reviewer": ("Soak reviewer", Role.reviewer),
        "integration": (INTEGRATION, Role.integration),
    }

    async def work(session) -> dict[str, str]:
        return {field_: (await create_key(session, name, role))[1] for field_, (name, role) in wanted.items()}

    return Keys(**await _in_session(database_url, work))


async def soak(
    args: argparse.Namespace, settings: Settings, services: list[Service], urls: list[str], world: SourceWorld,
    hook: Receiver,
) -> Outcome:  # fmt: skip
    keys = await make_keys(settings.database_url)
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
    gauge = Gauge(engine, settings.redis_url)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(engine.dispose)
        stack.push_async_callback(gauge.close)
        clients = [
            await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=30)) for url in urls
        ]  # fmt: skip
        outcome = Outcome(args, services, Recorder(), Recorder(), boot=memory(services), start={}, hook=hook)
        desk = Desk(clients, keys, INTEGRATION, stories(world), outcome.warm_up)
        await warm_up(desk, gauge, hook, outcome)
        outcome.start = memory(services)
        if not outcome.all_running():  # what the load would find out is known already
            log("warm-up", f"{', '.join(sorted(outcome.died))} died; no load")
            return outcome
        desk.recorder = outcome.load
        await load(desk, gauge, world, hook, outcome)
        log("drain", "waiting for the queue to drain")
        outcome.final_depth, outcome.drain_seconds = await gauge.wait_until_drained(
            args.drain_seconds, lambda line: log("drain", line), outcome.all_running
        )
        outcome.end = memory(services)
        outcome.all_running()
        return outcome


async def warm_up(desk: Desk, gauge: Gauge, hook: Receiver, outcome: Outcome) -> None:
    log("warm-up", "each kind of request once, then until the work it made is done")
    if await desk.register_webhooks(hook):
        await desk.everything_once()
    outcome.warm_up_depth, seconds = await gauge.wait_until_drained(
        outcome.args.drain_seconds, lambda line: log("warm-up", line), outcome.all_running
    )
    warm = outcome.warm_up
    log("warm-up", f"{warm.requests} requests, {warm.error_count} errors; the work done {seconds:.1f} s later")


async def load(desk: Desk, gauge: Gauge, world: SourceWorld, hook: Receiver, outcome: Outcome) -> None:
    """The load until the deadline, sampled; cut short when a process of the service dies."""
    args = outcome.args
    rates = Rates(args.articles_per_minute, args.reads_per_second, args.transitions_per_minute)
    started = time.monotonic()
    deadline = started + args.minutes * 60
    await take_sample(gauge, outcome, started)
    users = asyncio.create_task(desk.run(rates, deadline))
    sampler = asyncio.create_task(sample_until(deadline, gauge, world, hook, outcome, started))
    try:
        await asyncio.wait({users, sampler}, return_when=asyncio.FIRST_COMPLETED)
        if not outcome.died:
            await users  # the requests under way at the deadline are answered and counted
    finally:
        for task in (users, sampler):
            task.cancel()
        await asyncio.gather(users, sampler, return_exceptions=True)
    outcome.load_seconds = time.monotonic() - started
    await take_sample(gauge, outcome, started)


async def sample_until(
    deadline: float, gauge: Gauge, world: SourceWorld, hook: Receiver, outcome: Outcome, started: float
) -> None:
    """A sample every `--sample-seconds` until the deadline, or until a process of the service has died; in
    between, a look every PEAK_SECONDS for the peak."""
    next_sample = started + outcome.args.sample_seconds
    while True:
        await asyncio.sleep(max(0.0, min(time.monotonic() + PEAK_SECONDS, next_sample, deadline) - time.monotonic()))
        now = time.monotonic()
        if now >= deadline:
            return
        if now < next_sample:
            outcome.peak.see(await gauge.depth())
            continue
        await take_sample(gauge, outcome, started)
        if outcome.died:
            log("load", f"{', '.join(sorted(outcome.died))} died; the load stops")
            return
        # The loopback servers log every request they get; the soak does not read those logs.
        world.web.clear_log()
        hook.web.clear_log()
        next_sample += outcome.args.sample_seconds


async def take_sample(gauge: Gauge, outcome: Outcome, started: float) -> None:
    depth = await gauge.depth()
    outcome.peak.see(depth)
    sample = Sample(time.monotonic() - started, depth, outcome.peak, memory(outcome.services))
    outcome.samples.append(sample)
    outcome.peak = Peak()
    outcome.all_running()
    log(
        "load",
        f"{sample.seconds:5.0f} s: {outcome.load.requests} requests, {outcome.load.error_count} errors; "
        f"{sample.depth.line(sample.peak)}",
    )


def log(stage: str, message: str) -> None:
    print(f"soak {stage:8} {message}", file=sys.stderr, flush=True)


# The report.


def problems(outcome: Outcome) -> list[str]:
    """Why the soak failed; empty when it passed."""
    found = []
    errors = outcome.warm_up.error_count + outcome.load.error_count
    if errors:
        found.append(f"{errors} request(s) failed")
    if outcome.warm_up_depth is None or not outcome.warm_up_depth.drained:
        found.append(f"the warm-up's work did not finish within {outcome.args.drain_seconds:g} s")
    final = outcome.final_depth
    if final is None or not final.drained:
        found.append(f"the queue did not drain within {outcome.args.drain_seconds:g} s")
    if final is not None:
        if final.tasks.get("failed"):
            found.append(f"{final.tasks['failed']} verification task(s) failed")
        if final.deliveries.get("failed"):
            found.append(f"{final.deliveries['failed']} webhook deliveries failed")
        if final.dead:
            found.append(f"{final.dead} message(s) in dramatiq's dead-letter queues")
        delivered = final.deliveries.get("delivered", 0)
        if outcome.hook.delivered != delivered or outcome.hook.bad_signatures:
            found.append(
                f"the receiver got {outcome.hook.delivered} distinct deliveries ({outcome.hook.bad_signatures} "
                f"badly signed) for {delivered} delivered"
            )
    found += [
        f"{name} grew from {outcome.start[name].mb:.0f} to {outcome.end[name].mb:.0f} MB" for name in grown(outcome)
    ]
    found += [f"{name} died during the soak" for name in sorted(outcome.died)]
    logged = sum(len(service.logged_errors()) for service in outcome.services)
    if logged:
        found.append(f"{logged} error line(s) in the services' logs")
    return found


def allowed_growth(outcome: Outcome, start: Memory) -> float:
    return max(start.mb * outcome.args.memory_margin / 100, outcome.args.memory_slack_mb)


def grown(outcome: Outcome) -> list[str]:
    return [
        name
        for name, start in outcome.start.items()
        if name in outcome.end and outcome.end[name].mb - start.mb > allowed_growth(outcome, start)
    ]


def report(outcome: Outcome) -> str:
    return "\n".join(
        [
            *report_requests(outcome),
            *report_queue(outcome),
            *report_webhooks(outcome),
            *report_memory(outcome),
            *report_logs(outcome),
        ]
    )


def report_requests(outcome: Outcome) -> list[str]:
    args, load, warm = outcome.args, outcome.load, outcome.warm_up
    expected = ", ".join(f"{status} to {kind} x{n}" for (kind, status), n in sorted(load.expected.items()))
    lines = [
        f"soak: {outcome.load_seconds / 60:.1f} min of load on {os.cpu_count()} cores; {len(outcome.services) - 2} "
        f"API process(es), a relay, a worker ({args.threads} threads); {args.articles_per_minute:g} articles/min "
        f"posted, 2 pushed by webhook every 30 s, {args.reads_per_second:g} reads/s, "
        f"{args.transitions_per_minute:g} transitions/min",
        f"requests: {load.requests:,} made, {load.error_count} errors "
        f"({load.requests / max(outcome.load_seconds, 1):.1f} requests/s; right answers that are not 2xx: "
        f"{expected or 'none'}); warm-up: {warm.requests} requests, {warm.error_count} errors",
        f"  {'kind':20} {'n':>6} {'errors':>6} {'median':>8} {'p95':>8} {'p99':>8} {'max':>8}   median of the first "
        f"and the last fifth (ms)",
    ]
    for kind in sorted(load.counts):
        times = load.latencies.get(kind) or [0.0]
        figures, (first, last) = summary(times), medians_at_both_ends(times)
        lines.append(
            f"  {kind:20} {load.counts[kind]:6} {load.errors[kind]:6} {figures['median']:8.1f} {figures['p95']:8.1f} "
            f"{figures['p99']:8.1f} {figures['max']:8.1f}   {first:6.1f} {last:6.1f}"
        )
    lines += [f"  error: {example}" for example in load.examples + warm.examples]
    return lines


def medians_at_both_ends(seconds: list[float]) -> tuple[float, float]:
    """Median latency (ms) of the first and of the last fifth of the requests: a service that slows down as it
    runs (a table or a cache that grows) shows here."""
    fifth = max(1, len(seconds) // 5)
    return statistics.median(seconds[:fifth]) * 1000, statistics.median(seconds[-fifth:]) * 1000


def report_queue(outcome: Outcome) -> list[str]:
    lines = ["queue (work not yet finished; seconds since the load started):"]
    lines += [f"  {sample.seconds:6.0f} s  {sample.depth.line(sample.peak)}" for sample in outcome.samples]
    final = outcome.final_depth
    if final is not None:
        state = "drained" if final.drained else "NOT drained"
        tasks = ", ".join(f"{status} {count}" for status, count in sorted(final.tasks.items()))
        lines += [
            f"  {state} {outcome.drain_seconds:.1f} s after the load: {final.line()}",
            f"  verification tasks: {tasks}; dead messages {final.dead}",
        ]
    return lines


def report_webhooks(outcome: Outcome) -> list[str]:
    final, hook = outcome.final_depth, outcome.hook
    made = sum(final.deliveries.values()) if final else 0
    by_status = ", ".join(f"{status} {count}" for status, count in sorted(final.deliveries.items())) if final else ""
    return [
        f"webhooks: {made} deliveries made ({by_status or 'none'}); the receiver got {hook.posts} POSTs, "
        f"{hook.delivered} distinct, {hook.bad_signatures} badly signed"
    ]


def report_memory(outcome: Outcome) -> list[str]:
    args = outcome.args
    lines = [
        f"memory (RSS in MB, each process with its children; start is after the warm-up, end after the drain; "
        f"allowed growth {args.memory_margin:g} % of start, at least {args.memory_slack_mb:g} MB):",
        f"  {'process':10} {'boot':>8} {'start':>8} {'end':>8} {'growth':>8}   over the load",
    ]
    for service in outcome.services:
        name = service.name
        if name not in outcome.end:
            continue
        start, end = outcome.start[name], outcome.end[name]
        trend = " ".join(f"{sample.memory[name].mb:.0f}" for sample in outcome.samples if name in sample.memory)
        lines.append(
            f"  {name + f' ({end.processes})':10} {outcome.boot[name].mb:8.1f} {start.mb:8.1f} {end.mb:8.1f} "
            f"{end.mb - start.mb:+8.1f}   {trend}"
        )
    return lines


def report_logs(outcome: Outcome) -> list[str]:
    lines = []
    for service in outcome.services:
        errors = service.logged_errors()
        lines.append(f"log of {service.name}: {len(errors)} error line(s), {service.process.log_path}")
        lines += [f"  {line[:300]}" for line in errors[:5]]
    return lines


def stop_on_sigterm() -> None:
    """SIGTERM (a test's timeout, `kill`) ends the soak as Ctrl-C does: the service's processes, which run in
    sessions of their own and would outlive the soak, are stopped on the way out."""

    def interrupt(_signal: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_sigterm()
    configured = os.environ.get("FACTCHECK_DATABASE_URL"), os.environ.get("FACTCHECK_REDIS_URL")
    with embedded.servers(*configured, DATA) as (server_url, redis_url):
        settings = fresh_settings(server_url, redis_url, args)
        with source_world() as world, receiver() as hook:
            env = service_env(settings, **world.settings_overrides(), FACTCHECK_WORKER_THREADS=str(args.threads))
            with started(env, args.api_processes, args.log_dir) as (services, urls):
                log("start", f"database {args.database}, Redis {settings.redis_url}, logs in {args.log_dir}")
                outcome = asyncio.run(soak(args, settings, services, urls, world, hook))
    print(report(outcome))
    found = problems(outcome)
    print("result: " + ("FAILED: " + "; ".join(found) if found else "passed"))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
