"""The service's own parts, started for real in tests: the API on a loopback port, workers and relays."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from services.api.app import create_app
from services.cli import commands, stop
from shared.config import Settings
from shared.embedded import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def api_server(settings: Settings):
    """The real app under uvicorn in a thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


def service_env(settings: Settings, **overrides: str) -> dict[str, str]:
    """The environment a service process gets: the test's servers, fast sweeps, and any overrides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")}
    env |= {
        "FACTCHECK_DATABASE_URL": settings.database_url,
        "FACTCHECK_REDIS_URL": settings.redis_url,
        "FACTCHECK_SECRET_KEY": settings.secret_key,  # the same key as the test's own, to open the secrets
        "FACTCHECK_RELAY_INTERVAL_SECONDS": "0.3",
        "FACTCHECK_FETCH_TIMEOUT_SECONDS": "5",
        "FACTCHECK_TASK_TIME_LIMIT_SECONDS": "20",
        # Providers that would reach the internet are off unless a test points them at its source world.
        "FACTCHECK_MEDIAWIKI_URL": "",
        "FACTCHECK_GDELT_URL": "",
    }
    return env | overrides


class ServiceProcess:
    """The API, a worker or a relay process, started as `make run` starts it; stoppable gently or with SIGKILL.

    `port` is where the API listens (the worker and relay listen nowhere)."""

    def __init__(
        self, kind: str, env: dict[str, str], log_dir: Path, *, port: int = 0, sock: socket.socket | None = None
    ) -> None:
        self.kind = kind
        self.env = env
        self.port = port
        self.sock = sock  # an API process's listening socket, opened as `factcheck run` opens them
        self.log_path = log_dir / f"{kind}-{time.monotonic_ns()}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> ServiceProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        threads = int(self.env.get("FACTCHECK_WORKER_THREADS", "8"))
        argv, fds = commands("127.0.0.1", self.port, threads)[self.kind], ()
        if self.sock is not None:
            argv, fds = [*argv, "--fd", str(self.sock.fileno())], (self.sock.fileno(),)
        self.process = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, pass_fds=fds
        )
        log.close()
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the whole process group (dramatiq forks worker processes)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process:
            stop(self.process)


@contextmanager
def running(*kinds: str, env: dict[str, str], log_dir: Path):
    procs = [ServiceProcess(kind, env, log_dir).start() for kind in kinds]
    try:
        yield procs
    finally:
        for proc in procs:
            proc.stop()
