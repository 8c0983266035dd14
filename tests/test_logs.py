"""Log lines: one JSON object each, naming the request or the task they are about, with no article text."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from shared import logs
from shared.embedded import free_port
from tests.support.articles import article
from tests.support.services import api_server, running, service_env
from tests.support.waiting import all_tasks_finished


@pytest.fixture
def lines():
    """What the service logs in this process, through the formatter every process uses."""
    written: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            written.append(self.format(record))

    handler = Collect()
    handler.setFormatter(logs.LineFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield written
    finally:
        root.removeHandler(handler)


async def test_a_request_carries_its_id_into_its_log_lines_and_its_answer(settings, lines):
    unreachable = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    with api_server(unreachable) as api:
        async with httpx.AsyncClient(base_url=api, timeout=30) as http:
            given = await http.get("/readyz", headers={"X-Request-ID": "cms-call-42"})
            made = await http.get("/readyz", headers={"X-Request-ID": "not a token; " + "x" * 100})
    assert given.status_code == made.status_code == 503
    assert given.headers["x-request-id"] == "cms-call-42"
    assert len(made.headers["x-request-id"]) == 32 and "not a token" not in made.headers["x-request-id"]
    warnings = [json.loads(line) for line in lines if "redis unreachable" in line]
    assert [w["request_id"] for w in warnings] == ["cms-call-42", made.headers["x-request-id"]]
    assert all(w["level"] == "warning" and w["logger"] == "services.api.routers.health" for w in warnings)


def test_an_error_is_one_line_with_its_trace_inside(lines):
    token = logs.task_id.set("verify-7")
    try:
        try:
            raise ValueError("bad page")
        except ValueError:
            logging.getLogger("factcheck.worker").exception("task 7: run failed")
    finally:
        logs.task_id.reset(token)
    (line,) = [line for line in lines if "task 7" in line]
    assert "\n" not in line
    record = json.loads(line)
    assert record["task_id"] == "verify-7" and "request_id" not in record
    assert record["message"] == "task 7: run failed" and "ValueError: bad page" in record["error"]


async def test_the_worker_and_the_relay_write_json_lines_naming_each_task(client, db, settings, log_dir):
    with running("relay", "worker", env=service_env(settings), log_dir=log_dir) as (relay, worker):
        posted = (await client.post("/v1/articles", json=article(external_id="logs-1"))).json()
        tasks = await all_tasks_finished(db)
    assert {t.status for t in tasks} == {"done"}
    records = [json.loads(line) for line in worker.log().splitlines() if line.startswith("{")]
    for task in tasks:
        assert any(r.get("task_id") == f"verify-{task.id}" and f"task {task.id}:" in r["message"] for r in records)
    relay_lines = [line for line in relay.log().splitlines() if line.strip()]
    assert relay_lines and all(json.loads(line)["logger"] for line in relay_lines)
    everything = worker.log() + relay.log()
    assert not any(claim["text"][:40] in everything for claim in posted["claims"])  # no article text
