"""`factcheck run`, as `make run` starts it: embedded servers, a first admin key, the API answering,
everything stopped on Ctrl-C; a part that dies started again, and one that cannot start stopping it all."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from services.cli import Part, supervise
from shared.embedded import free_port
from tests.support.services import ROOT

pytestmark = pytest.mark.slow


def start(data_dir, port: int, api_processes: int = 1) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")}
    env |= {"FACTCHECK_DATA_DIR": str(data_dir), "FACTCHECK_PORT": str(port), "PYTHONUNBUFFERED": "1",
            "FACTCHECK_API_PROCESSES": str(api_processes)}  # fmt: skip
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
    proc = start(data_dir, port, api_processes=2)
    try:
        output = "".join(read_until(proc, "factcheck is running at"))
        assert "with 2 API process(es)" in output
        key = next(line.rsplit(" ", 1)[1].strip() for line in output.splitlines() if "first admin key" in line)
        for _ in range(40):  # a new connection each: the kernel spreads them over both API processes
            response = httpx.get(f"http://127.0.0.1:{port}/v1/claims", headers={"Authorization": f"Bearer {key}"})
            assert response.status_code == 200
        parts = children_of(proc.pid)
        assert sum("services.api.serve" in _command(p) for p in parts) == 2
        assert len(parts) >= 4  # two API processes, worker, relay (and the embedded Redis)
        # Whichever process answers the scrape counts the requests of both.
        scraped = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        series = 'factcheck_http_request_seconds_count{method="GET",route="/v1/claims",status="200"}'
        counted = re.search(re.escape(series) + r" (\S+)", scraped)
        assert counted and float(counted.group(1)) == 40
        assert len(list((data_dir / "metrics").glob("histogram_*.db"))) == 2  # both processes answered
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
        deadline = time.monotonic() + 10
        while alive(parts) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert alive(parts) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_a_port_in_use_stops_it_before_anything_starts(data_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        proc = start(data_dir, taken.getsockname()[1])
        try:
            output = proc.communicate(timeout=60)[0]
            assert proc.returncode == 1
            assert f"cannot listen on 127.0.0.1:{taken.getsockname()[1]}" in output
            assert "embedded servers" not in output  # nothing was started
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    assert not data_dir.exists()


def test_a_second_run_on_the_same_port_is_refused(data_dir):
    """Its SO_REUSEPORT sockets could join the first run's and take half of its connections."""
    port = free_port()
    first = start(data_dir, port)
    try:
        read_until(first, "factcheck is running at")
        second = start(data_dir.with_name(data_dir.name + "-second"), port)
        output = second.communicate(timeout=60)[0]
        assert second.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in output
    finally:
        first.send_signal(signal.SIGINT)
        assert first.wait(60) == 0


def test_a_part_that_keeps_dying_as_it_starts_stops_the_rest(capsys):
    """The supervisor of `factcheck run`, with real processes: one that exits at once, and one that would run."""
    dying = Part("api", "api", [sys.executable, "-c", "raise SystemExit(3)"], dict(os.environ))
    lasting = Part("relay", "relay", [sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ))
    started = time.monotonic()
    assert supervise([dying, lasting], f"http://127.0.0.1:{free_port()}", lambda: False) == 1
    assert dying.failures == Part.MAX_FAILURES_AT_START
    assert time.monotonic() - started >= 1
    said = capsys.readouterr().err
    assert "api stopped unexpectedly (exit 3); starting it again now" in said  # at once the first time
    assert "starting it again in 1 s" in said  # then after a wait
    assert "api stopped 3 times as it started; stopping the rest" in said
    assert lasting.proc.poll() is not None  # stopped with the rest


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
