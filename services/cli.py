"""`factcheck`: run the whole service, or apply the migrations.

factcheck run       embedded servers if none are configured, migrations, then API + worker + relay
factcheck migrate   apply the migrations (to the embedded database if none is configured)
factcheck keys ...  make, list and revoke API keys
factcheck integrations ...  make, list, rotate and disable integrations (signed webhooks)
factcheck import FILE       load articles from a JSON Lines file; stop and run again at will
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from tqdm import tqdm

from services.api.serve import listening_sockets
from shared import embedded
from shared.articles.backfill import Summary, backfill, count_lines
from shared.auth.keys import any_key, create_key, list_keys, revoke_key
from shared.auth.roles import Role
from shared.config import Settings, get_settings
from shared.db import create_engine, session_factory, unit_of_work
from shared.errors import AppError
from shared.integrations.registry import (
    EVENT_TYPES,
    create_integration,
    disable_integration,
    list_integrations,
    rotate_secret,
)
from shared.schema import upgrade


def commands(host: str, port: int, worker_threads: int) -> dict[str, list[str]]:
    """How each part of the service is started: an API process, a worker and the relay."""
    python = sys.executable
    return {
        "api": [python, "-m", "services.api.serve", "--host", host, "--port", str(port)],
        "worker": [python, "-m", "dramatiq", "services.worker.main", "--processes", "1",
                   "--threads", str(worker_threads)],
        "relay": [python, "-m", "services.worker.relay"],
    }  # fmt: skip


def run() -> int:
    settings = get_settings()
    stopping = False

    def request_stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    try:  # first, so that a port in use stops us before anything starts
        sockets = listening_sockets(settings.host, settings.port, settings.api_processes)
    except OSError as exc:
        print(f"factcheck: cannot listen on {settings.host}:{settings.port}: {exc.strerror}", file=sys.stderr)
        return 1
    with contextlib.ExitStack() as held:
        for sock in sockets:
            held.enter_context(sock)
        database_url, redis_url = held.enter_context(
            embedded.servers(settings.database_url, settings.redis_url, settings.data_dir)
        )
        if not settings.database_url or not settings.redis_url:
            print(f"embedded servers: data in {settings.data_dir.resolve()}", flush=True)
        upgrade(database_url)
        first_key = asyncio.run(_first_admin_key(database_url))
        if first_key:
            print(f"first admin key (shown once; keep it): {first_key}", flush=True)
        env = os.environ | {"FACTCHECK_DATABASE_URL": database_url, "FACTCHECK_REDIS_URL": redis_url}
        parts = service_parts(settings, sockets, env)
        exit_code = supervise(parts, f"http://{settings.host}:{settings.port}", lambda: stopping)
        print("factcheck stopped", flush=True)
        return exit_code


def supervise(parts: list[Part], url: str, stop_requested: Callable[[], bool]) -> int:
    """Starts the parts and starts again those that die, until a stop is requested (0) or a part cannot
    start (1); then stops them all, the API first, so nothing new comes in, then the relay and the workers,
    which finish what they hold."""
    announced = False
    try:
        for part in parts:
            if stop_requested():  # Ctrl-C while the servers or the migrations were starting
                return 0
            part.start()
        while not stop_requested():
            for part in parts:
                if part.proc is not None and part.proc.poll() is not None and part.restart_at is None:
                    part.died()
                if part.failures >= Part.MAX_FAILURES_AT_START:
                    print(f"factcheck: {part.name} stopped {part.failures} times as it started; stopping the rest",
                          file=sys.stderr, flush=True)  # fmt: skip
                    return 1
                if part.restart_at is not None and time.monotonic() >= part.restart_at:
                    part.start()
            if not announced and _answers(url):
                apis = sum(part.kind == "api" for part in parts)
                print(f"factcheck is running at {url} with {apis} API process(es)  "
                      f"(API docs: {url}/docs; Ctrl-C stops it)", flush=True)  # fmt: skip
                announced = True
            time.sleep(0.2)
        return 0
    finally:
        for part in sorted(parts, key=lambda p: ("api", "relay", "worker").index(p.kind)):
            if part.proc is not None:
                stop(part.proc)


def service_parts(settings: Settings, sockets: list[socket.socket], env: dict[str, str]) -> list[Part]:
    """The API processes (one a listening socket), a worker and the relay.

    The API processes count their requests for `GET /metrics` in files of one folder (prometheus_client's
    multiprocess mode), so that whichever process answers a scrape, it counts them all."""
    metrics_dir = settings.data_dir.resolve() / "metrics"
    shutil.rmtree(metrics_dir, ignore_errors=True)  # counts start again with the service, as with one process
    metrics_dir.mkdir(parents=True)
    api_env = env | {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    argv = commands(settings.host, settings.port, settings.worker_threads)
    apis = [
        Part(f"api-{n}" if len(sockets) > 1 else "api", "api", [*argv["api"], "--fd", str(sock.fileno())], api_env,
             pass_fds=(sock.fileno(),))
        for n, sock in enumerate(sockets, 1)
    ]  # fmt: skip
    return [*apis, Part("worker", "worker", argv["worker"], env), Part("relay", "relay", argv["relay"], env)]


class Part:
    """One process of the service, started again when it dies: at once the first time, then after a longer
    wait (1, 2, 4 ... 30 s) while it keeps dying. One that dies MAX_FAILURES_AT_START times within its first
    seconds cannot start (a setting wrong): the supervisor gives up and stops the rest."""

    MAX_FAILURES_AT_START = 3
    STARTING_SECONDS = 10.0

    def __init__(self, name: str, kind: str, argv: list[str], env: dict[str, str], pass_fds=()) -> None:
        self.name, self.kind, self.argv, self.env, self.pass_fds = name, kind, argv, env, pass_fds
        self.proc: subprocess.Popen | None = None
        self.started = 0.0
        self.failures = 0  # deaths in a row, each within its first seconds
        self.deaths = 0  # deaths in a row, for the backoff
        self.restart_at: float | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv, env=self.env, start_new_session=True, pass_fds=self.pass_fds)
        self.started, self.restart_at = time.monotonic(), None

    def died(self) -> None:
        lived = time.monotonic() - self.started
        self.failures = self.failures + 1 if lived < self.STARTING_SECONDS else 0
        self.deaths = self.deaths + 1 if lived < 60 else 1
        delay = 0.0 if self.deaths == 1 else min(30.0, 2.0 ** (self.deaths - 2))
        self.restart_at = time.monotonic() + delay
        if self.failures < self.MAX_FAILURES_AT_START:
            print(f"factcheck: {self.name} stopped unexpectedly (exit {self.proc.returncode}); starting it again "
                  f"{'now' if delay == 0 else f'in {delay:g} s'}", file=sys.stderr, flush=True)  # fmt: skip


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


def stop(proc: subprocess.Popen, timeout: float = 20.0) -> None:
    """SIGTERM to the child, which stops its own children (a second SIGTERM would make dramatiq kill its
    workers mid-task); SIGKILL to its whole process group if it has not stopped in time."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def migrate(args: argparse.Namespace) -> int:
    with _database() as database_url:
        upgrade(database_url)
    print("migrations applied", flush=True)
    return 0


@contextlib.contextmanager
def _database():
    settings = get_settings()
    with embedded.servers(settings.database_url, "unused", settings.data_dir) as (database_url, _):
        yield database_url


async def _in_session(database_url: str, work):
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            return await work(session)
    finally:
        await engine.dispose()


async def _first_admin_key(database_url: str) -> str | None:
    async def work(session):
        if await any_key(session):
            return None
        return (await create_key(session, "first-admin", Role.admin))[1]

    return await _in_session(database_url, work)


def keys(args: argparse.Namespace) -> int:
    with _database() as database_url:
        upgrade(database_url)
        if args.keys_command == "create":
            _, plain = asyncio.run(_in_session(database_url, lambda s: create_key(s, args.name, Role(args.role))))
            print(plain)  # alone on standard output, so a script can capture it
        elif args.keys_command == "list":
            for key in asyncio.run(_in_session(database_url, list_keys)):
                revoked = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
                print(f"{key.id}\t{key.name}\t{key.role}\t{key.created_at:%Y-%m-%d %H:%M}\t{revoked}")
        else:
            asyncio.run(_in_session(database_url, lambda s: revoke_key(s, args.id)))
            print(f"key {args.id} revoked", file=sys.stderr)
    return 0


def integrations(args: argparse.Namespace) -> int:
    settings = get_settings()
    with _database() as database_url:
        upgrade(database_url)
        if args.integrations_command == "list":
            for i in asyncio.run(_in_session(database_url, list_integrations)):
                state = f"disabled {i.disabled_at:%Y-%m-%d %H:%M}" if i.disabled_at else "active"
                print(f"{i.id}\t{i.name}\t{','.join(i.event_types) or '-'}\t{i.created_at:%Y-%m-%d %H:%M}\t{state}")
        elif args.integrations_command == "disable":
            asyncio.run(_in_session(database_url, lambda s: disable_integration(s, args.id)))
            print(f"integration {args.id} disabled", file=sys.stderr)
        else:
            if args.integrations_command == "create":
                events = [e for e in args.events.split(",") if e]
                work = lambda s: create_integration(s, settings, args.name, events)  # noqa: E731
            else:
                work = lambda s: rotate_secret(s, settings, args.id)  # noqa: E731
            made = asyncio.run(_in_session(database_url, work))
            print(f"integration {made.integration.id}: {made.integration.name}", file=sys.stderr)
            print(made.secret)  # alone on standard output, so a script can capture it
    return 0


def backfill_file(args: argparse.Namespace) -> int:
    settings = get_settings()
    path = Path(args.file)
    if not path.is_file():
        print(f"factcheck: no such file: {path}", file=sys.stderr)
        return 2
    summary, started = Summary(), time.perf_counter()
    with _database() as database_url, tqdm(total=count_lines(path), unit=" lines", file=sys.stderr) as bar:
        upgrade(database_url)

        async def work() -> None:
            # Two connections: one writes a batch while the other asks which articles of the next are stored.
            engine = create_engine(database_url, pool_size=2, max_overflow=0)
            try:
                await backfill(
                    session_factory(engine),
                    settings,
                    path,
                    submitted_by=args.as_,
                    progress=bar.update,
                    summary=summary,
                    events=args.events,
                )
            finally:
                await engine.dispose()

        try:
            asyncio.run(work())
        except KeyboardInterrupt:
            bar.close()
            _print_summary(summary, time.perf_counter() - started)
            print("interrupted: what is above is stored; run the same command again to go on", file=sys.stderr)
            return 130
    _print_summary(summary, time.perf_counter() - started)
    return 1 if summary.rejected else 0


def _print_summary(summary: Summary, seconds: float) -> None:
    rate = (summary.created + summary.present) / seconds if seconds > 0 else 0.0
    print(f"created {summary.created}, already present {summary.present}, rejected {len(summary.rejected)} "
          f"({summary.lines} lines in {seconds:.1f} s, {rate:,.0f} articles/s)")  # fmt: skip
    for number, reason in summary.rejected:
        print(f"  line {number}: {reason}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="factcheck", description="The fact-check workflow service.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the whole service (embedded servers when none are configured)")
    sub.add_parser("migrate", help="apply the database migrations")
    key_commands = sub.add_parser("keys", help="manage API keys").add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="make a key and print it (shown this once)")
    create.add_argument("--name", required=True, help="who uses it: the actor named in the audit trail")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    key_commands.add_parser("list", help="list the keys (never the keys themselves)")
    key_commands.add_parser("revoke", help="revoke a key by id").add_argument("id", type=int)
    integration_commands = sub.add_parser("integrations", help="manage integrations (signed webhooks)")
    integration_commands = integration_commands.add_subparsers(dest="integrations_command", required=True)
    create = integration_commands.add_parser("create", help="make an integration and print its secret (shown once)")
    create.add_argument("--name", required=True, help="unique; the articles it sends are submitted by this name")
    create.add_argument("--events", default="", help=f"comma-separated, of: {', '.join(EVENT_TYPES)}")
    integration_commands.add_parser("list", help="list the integrations (never their secrets)")
    rotate = integration_commands.add_parser("rotate", help="a new secret, printed; the old one verifies 24 h more")
    rotate.add_argument("id", type=int)
    integration_commands.add_parser("disable", help="refuse its deliveries from now on").add_argument("id", type=int)
    backfill_command = sub.add_parser("import", help="load articles from a JSON Lines file (resumable)")
    backfill_command.add_argument("file", help="one article a line, in the schema of POST /v1/articles")
    backfill_command.add_argument(
        "--as", dest="as_", default="import", help="who submits them (an integration's name, so it reads them)"
    )
    backfill_command.add_argument(
        "--events",
        action="store_true",
        help="tell the sender's webhook subscriptions of each article (off: an archive)",
    )
    args = parser.parse_args(argv)
    try:
        commands_ = {
            "run": lambda _args: run(),
            "migrate": migrate,
            "keys": keys,
            "integrations": integrations,
            "import": backfill_file,
        }
        return commands_[args.command](args)
    except AppError as exc:
        print(f"factcheck: {exc.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
