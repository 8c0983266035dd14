"""The benchmarks' lean HTTP client, against a real server on loopback: each way an answer's body can end, and
more requests at once than connections, each waiting for a connection to come back."""

from __future__ import annotations

import asyncio
import json

from tests.bench.lean_http import LeanClient
from tests.support.web import WebServer


def chunked(ex) -> None:
    ex.start(200, {"Transfer-Encoding": "chunked"}, content_type="application/json")
    ex.write(b'5\r\n{"a":\r\n')
    ex.write(b"3\r\n 1}\r\n0\r\n\r\n")


def until_closed(ex) -> None:
    ex.start(201, content_type="text/plain")  # no length: the connection closes at the end
    ex.write(b"all of it")


async def test_every_kind_of_answer_is_read_whole_and_connections_are_kept_alive(web: WebServer) -> None:
    web.route("/fixed", b'{"items": [1, 2]}', content_type="application/json")
    web.handle("/chunked", chunked)
    web.handle("/closed", until_closed)
    client = LeanClient(web.url("/").rstrip("/"), {"Authorization": "Bearer k"}, connections=2)
    async with client, asyncio.timeout(10):
        assert await client.get("/fixed", {"state": "unverified", "sort": "age"}) == (200, b'{"items": [1, 2]}')
        assert await client.get("/chunked") == (200, b'{"a": 1}')
        assert await client.get("/closed") == (201, b"all of it")
        assert await client.post_json("/fixed", {"title": "x"}) == (200, b'{"items": [1, 2]}')
        answers = await asyncio.gather(*(client.get("/fixed") for _ in range(10)))
        assert answers == [(200, b'{"items": [1, 2]}')] * 10
    first, *_, posted = web.requests[:4]
    assert first.path == "/fixed?state=unverified&sort=age" and first.headers["authorization"] == "Bearer k"
    assert posted.method == "POST" and json.loads(posted.body) == {"title": "x"}
    assert posted.headers["content-type"] == "application/json"
    assert len(web.requests) == 14
