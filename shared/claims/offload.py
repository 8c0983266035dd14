"""Extraction off the event loop: in a thread for a small text, in a process of its own for a large one.

Extraction is CPU work: milliseconds for an article, seconds for a huge one. A small text, the common
case, is handled in a thread, which costs little and leaves the event loop free to answer meanwhile. A
large one goes to a separate process, one text at a time per API process: in a thread it would hold the
interpreter lock for seconds, and the event loop would win it back only a few milliseconds at a time, at
every step of every other request (eight 1 MB articles made a one-claim read wait up to a second). A
separate process competes only for a core, and at a lower priority (nice 10), so that the operating system
gives the cores to the light requests first and to the large texts in the time left.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import TypeVar

LARGE_TEXT = 100_000  # characters

T = TypeVar("T")
_pool: ProcessPoolExecutor | None = None


async def off_loop(work: Callable[..., T], text: str, *args) -> T:
    """``work(text, *args)``; ``work`` must be a module-level function (it is sent to the process by name)."""
    if len(text) < LARGE_TEXT:
        return await asyncio.to_thread(work, text, *args)
    try:
        return await _apart(partial(work, text, *args))
    except BrokenProcessPool:  # its process was killed (out of memory?): once more, in a new one
        return await _apart(partial(work, text, *args))


async def _apart(call: Callable[[], T]) -> T:
    global _pool
    if _pool is None:
        _pool = extraction_pool(1)
    pool = _pool
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, call)
    except BrokenProcessPool:
        if _pool is pool:
            _pool = None
        raise


def extraction_pool(workers: int) -> ProcessPoolExecutor:
    """Processes for extraction: spawned, not forked (the caller runs threads), each at nice 10 and exiting
    once the process that made them has gone."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_apart,
        initargs=(os.getpid(),),
    )


def shutdown() -> None:
    """Stop the extraction process, if there is one (at the API's shutdown: uvicorn ends by raising the
    signal it stopped on again, which runs no exit handlers, so the pool would not stop by itself)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(cancel_futures=True)
        _pool = None


def _start_apart(parent: int) -> None:
    """In the extraction process: yield the cores to the API's requests, and exit once the process that
    started it has gone, even when it was killed and could not say so."""
    os.nice(10)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
