"""What the soak watches besides the answers: how much work waits (in the database and in Redis) and how much
memory each process of the service holds.

Memory is read from /proc (Linux), a process together with its children: dramatiq forks its worker
processes, and uvicorn its workers when asked for several.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import redis.asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import queue

QUEUES = (queue.VERIFY_QUEUE, queue.WEBHOOKS_QUEUE, queue.FEEDS_QUEUE)
UNFINISHED_TASK = ("pending", "queued", "running")
UNFINISHED_DELIVERY = ("pending", "sending")


@dataclass(frozen=True)
class Depth:
    """Work not yet finished at one moment: rows by status, and messages in Redis by queue."""

    tasks: dict[str, int]  # verification tasks by status
    deliveries: dict[str, int]  # outbound webhook deliveries by status
    messages: dict[str, int]  # per queue: messages not yet acknowledged (waiting, in hand, or delayed)
    dead: int  # messages dramatiq gave up on (its dead-letter queues)

    @property
    def waiting_tasks(self) -> int:
        return sum(self.tasks.get(status, 0) for status in UNFINISHED_TASK)

    @property
    def waiting_deliveries(self) -> int:
        return sum(self.deliveries.get(status, 0) for status in UNFINISHED_DELIVERY)

    @property
    def waiting_messages(self) -> int:
        return sum(self.messages.values())

    @property
    def drained(self) -> bool:
        return self.waiting_tasks == 0 and self.waiting_deliveries == 0 and self.waiting_messages == 0

    def line(self, peak: Peak | None = None) -> str:
        tasks = ", ".join(f"{status} {self.tasks.get(status, 0)}" for status in UNFINISHED_TASK)
        tasks_peak, deliveries_peak = (f"; peak {peak.tasks:4}", f" (peak {peak.deliveries:3})") if peak else ("", "")
        return (
            f"tasks waiting {self.waiting_tasks:4} ({tasks}{tasks_peak}); deliveries waiting "
            f"{self.waiting_deliveries:3}{deliveries_peak}; messages in Redis {self.waiting_messages:4}"
        )


@dataclass
class Peak:
    """The most work seen waiting since the last sample: a sample alone may fall between two bursts."""

    tasks: int = 0
    deliveries: int = 0

    def see(self, depth: Depth) -> None:
        self.tasks = max(self.tasks, depth.waiting_tasks)
        self.deliveries = max(self.deliveries, depth.waiting_deliveries)


class Gauge:
    """Reads the depth of the queue: one snapshot of the database, then Redis."""

    def __init__(self, engine: AsyncEngine, redis_url: str) -> None:
        self.engine = engine
        self.redis = aioredis.Redis.from_url(redis_url)

    async def depth(self) -> Depth:
        # One snapshot for both tables: a task finishes and writes its event's delivery in one transaction.
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
            async with conn.begin():
                tasks = await _by_status(conn, "verification_task")
                deliveries = await _by_status(conn, "webhook_delivery")
        messages, dead = {}, 0
        for name in QUEUES:
            # dramatiq keeps a message's body in `<queue>.msgs` until it is acknowledged, whoever holds it;
            # retries wait in the delay queue (DQ), and what it gave up on goes to the dead-letter queue (XQ).
            messages[name] = await self.redis.hlen(f"dramatiq:{name}.msgs") + await self.redis.hlen(
                f"dramatiq:{name}.DQ.msgs"
            )
            dead += await self.redis.hlen(f"dramatiq:{name}.XQ.msgs")
        return Depth(tasks, deliveries, messages, dead)

    async def wait_until_drained(
        self, timeout: float, tell: Callable[[str], None], running: Callable[[], bool], every: float = 10.0
    ) -> tuple[Depth, float]:
        """Poll until nothing waits, `timeout` seconds pass or `running()` is false (a process of the service
        died: what waits may never be done): the last depth read, and the seconds it took. What still waits
        is told every `every` seconds."""
        started = time.monotonic()
        told = started
        while True:
            depth = await self.depth()
            now = time.monotonic()
            if depth.drained or now - started >= timeout or not running():
                return depth, now - started
            if now - told >= every:
                tell(f"{now - started:5.0f} s: {depth.line()}")
                told = now
            await asyncio.sleep(0.5)

    async def close(self) -> None:
        await self.redis.aclose()


async def _by_status(conn, table: str) -> dict[str, int]:
    rows = await conn.execute(text(f"SELECT status, count(*) FROM {table} GROUP BY status"))
    return {status: count for status, count in rows}


# Memory.


def rss_mb(pid: int) -> float:
    """Resident memory of one process (VmRSS), in MB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024  # the kernel writes kB
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def _stat_fields(stat: Path) -> list[str]:
    """The fields of a /proc/<pid>/stat after the command name (which may hold spaces); none once it has ended."""
    try:
        return stat.read_text().rpartition(")")[2].split()
    except (FileNotFoundError, ProcessLookupError):
        return []


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user and system) the processes have used so far, together; a process gone counts 0."""
    ticks = 0
    for pid in pids:
        fields = _stat_fields(Path(f"/proc/{pid}/stat"))
        if fields:
            ticks += int(fields[11]) + int(fields[12])  # utime and stime, the 14th and 15th fields of stat
    return ticks / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants, from the parent of each process in /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat_fields(stat)
        if fields:
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


@dataclass(frozen=True)
class Memory:
    mb: float  # the process and its children together
    processes: int


def memory_of(pid: int) -> Memory:
    tree = process_tree(pid)
    return Memory(sum(rss_mb(p) for p in tree), len(tree))
