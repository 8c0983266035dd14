"""`factcheck run`, as `make run` starts it: embedded servers, a first admin key, the API answering,
everything stopped on Ctrl-C; a part that dies started again, and one that cannot start stopping it all."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from shared.embedded import free_port
from tests.support.services import ROOT

pytestmark = pytest.mark.slow


def start(data_dir, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")}
    env |= {"FACTCHECK_DATA_DIR": str(data_dir), "FACTCHECK_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip


def read_until(proc: subprocess.Popen, marker: str, timeout: float = 90) -> list[str]:
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        lines.append(line)
        if marker in line:
            return lines
    raise AssertionError(f"{marker!r} never came; output:\n{''.join(lines)[-3000:]}")


def children_of(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in found]


def alive(pids: list[int]) -> list[int]:
    return [p for p in pids if os.path.exists(f"/proc/{p}") and "Z" not in _state(p)]


def _state(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


@pytest.fixture
def data_dir(tmp_path_factory):
    """A new data folder (the embedded PostgreSQL runs as its own user: not under /tmp/pytest-of-root)."""
    path = ROOT / ".data" / f"test-run-{tmp_path_factory.getbasetemp().name}-{time.monotonic_ns()}"
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_run_answers_prints_a_first_key_and_stops_everything_on_ctrl_c(data_dir):
    port = free_port()
    proc = start(data_dir, port)
    try:
        output = "".join(read_until(proc, "factcheck is running at"))
        key = next(line.rsplit(" ", 1)[1].strip() for line in output.splitlines() if "first admin key" in line)
        response = httpx.get(f"http://127.0.0.1:{port}/v1/claims", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200
        parts = children_of(proc.pid)
        assert len(parts) >= 3  # API, worker, relay (and the embedded Redis)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
        deadline = time.monotonic() + 10
        while alive(parts) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert alive(parts) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_a_part_that_cannot_start_stops_the_rest(data_dir):
    with socket.socket() as taken:  # the API's port is in use: the API exits at once
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        proc = start(data_dir, taken.getsockname()[1])
        try:
            output = "".join(read_until(proc, "stopping the rest"))
            parts = children_of(proc.pid)  # the worker and relay it is now stopping
            assert "api stopped unexpectedly" in output and "api stopped 3 times as it started" in output
            assert proc.wait(60) == 1
            assert alive(parts) == []
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    leftovers = subprocess.run(["pgrep", "-f", str(data_dir)], capture_output=True, text=True).stdout
    assert leftovers.strip() == ""


def _command(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/cmdline").read().replace("\0", " ")
    except OSError:
        return ""


def test_a_part_that_dies_is_started_again_and_the_rest_keeps_serving(data_dir):
    port = free_port()
    proc = start(data_dir, port)
    try:
        read_until(proc, "factcheck is running at")
        worker = next(p for p in children_of(proc.pid) if "dramatiq" in _command(p))
        os.killpg(worker, signal.SIGKILL)  # the worker and the processes it forked, as an OOM kill would
        output = "".join(read_until(proc, "worker stopped unexpectedly"))
        assert "starting it again" in output and "stopping the rest" not in output
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            again = [p for p in children_of(proc.pid) if "dramatiq" in _command(p) and p != worker]
            if again:
                break
            time.sleep(0.2)
        assert again, "no new worker"
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200  # the API never stopped
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
