"""Heavy work must not starve light requests: eight 1 MB articles posted at once while a reader fetches one
claim every 50 ms from the same API (as many processes as `make run` starts). Prints the reader's latency
(median, p99, max) meanwhile."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.bench.latency import summary
from tests.support.articles import BODY, article

LARGE = 1_000_000  # bytes of an article body, about the limit


async def bench_stall(base_url: str, key: str, large: int = 8) -> dict:
    body = (BODY + "\n\n") * int(LARGE * 0.95 / (len(BODY) + 2))
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=300) as http:
        small = (await http.post("/v1/articles", json=article(external_id=f"stall-{time.time_ns()}"))).json()
        claim_path = f"/v1/claims/{small['claims'][0]['id']}"
        latencies: list[float] = []
        heavy_done = asyncio.Event()

        async def reader() -> None:
            while not heavy_done.is_set():
                started = time.perf_counter()
                assert (await http.get(claim_path)).status_code == 200
                latencies.append(time.perf_counter() - started)
                await asyncio.sleep(0.05)

        reading = asyncio.create_task(reader())
        started = time.perf_counter()
        posted = await asyncio.gather(
            *(http.post("/v1/articles", json=article(body=body, external_id=f"large-{time.time_ns()}-{n}"))
              for n in range(large))
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        heavy_done.set()
        await reading
    assert all(p.status_code == 201 for p in posted), [p.status_code for p in posted]
    return {"large": large, "seconds": elapsed, "reads": summary(latencies)}
