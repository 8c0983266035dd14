"""Extraction off the event loop: a large text in a process of its own, at a lower priority, that never
outlives the process that started it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest

from shared.claims import offload
from shared.claims.extraction import extract_claims
from tests.support.articles import BODY
from tests.support.services import ROOT

LARGE = (BODY + "\n\n") * (offload.LARGE_TEXT // len(BODY) + 1)


def where(text: str, threshold: float) -> tuple[int, int, int]:
    """Where the work ran: process id, niceness, and how many claims it found."""
    return os.getpid(), os.nice(0), len(extract_claims(text, threshold))


@pytest.fixture(autouse=True)
def _pool_stopped():
    yield
    offload.shutdown()


async def test_a_small_text_stays_in_this_process():
    pid, nice, claims = await offload.off_loop(where, BODY, 0.5)
    assert (pid, nice) == (os.getpid(), os.nice(0))
    assert claims == len(extract_claims(BODY))


async def test_a_large_text_goes_to_another_process_that_yields_the_cores():
    pid, nice, claims = await offload.off_loop(where, LARGE, 0.5)
    assert pid != os.getpid()
    assert nice >= os.nice(0) + 10  # the API's requests come first
    assert claims == len(extract_claims(LARGE))
    again, _, _ = await offload.off_loop(where, LARGE, 0.5)
    assert again == pid  # one process, kept for the next large text


async def test_a_killed_extraction_process_is_replaced():
    pid, _, _ = await offload.off_loop(where, LARGE, 0.5)
    os.kill(pid, signal.SIGKILL)
    await asyncio.sleep(0.2)
    new_pid, _, claims = await offload.off_loop(where, LARGE, 0.5)
    assert new_pid != pid and claims == len(extract_claims(LARGE))


def test_the_extraction_process_goes_when_its_parent_is_killed():
    script = (
        "import asyncio, os, time\n"
        "from shared.claims import offload\n"
        "from tests.claims.test_offload import LARGE, where\n"
        "print(asyncio.run(offload.off_loop(where, LARGE, 0.5))[0], flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        assert os.path.exists(f"/proc/{child}")
        parent.kill()  # SIGKILL: no exit handler runs
        parent.wait()
        deadline = time.monotonic() + 10
        while os.path.exists(f"/proc/{child}") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not os.path.exists(f"/proc/{child}")
    finally:
        if parent.poll() is None:
            parent.kill()
