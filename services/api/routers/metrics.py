"""`GET /metrics`, in Prometheus' text format: how the API answers, and the state of the work in the database.

Request counts and latencies cover every API process of a `factcheck run`: they count in files of one
folder (prometheus_client's multiprocess mode, on when PROMETHEUS_MULTIPROC_DIR is set), read at scrape
time by whichever process answers. A lone process (`make api`, the tests) counts in its own memory.
Everything else is read at scrape time from the tallies the database keeps, so it is the same whichever
process answers and counts what the worker and the relay did too: articles and claims, tasks by status and
the oldest waiting, evidence by provider, webhook deliveries by status.
"""

from __future__ import annotations

import os
import time

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text
from starlette.types import Message, Receive, Scope, Send

from services.api.asgi import HttpMiddleware, on_response_start

router = APIRouter(tags=["health"])

REGISTRY = CollectorRegistry()
REQUESTS = Histogram(
    "factcheck_http_request_seconds",
    "Time to answer a request, by route template, method and status.",
    ["route", "method", "status"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RATE_LIMITED = Counter("factcheck_rate_limited_total", "Requests answered 429.", registry=REGISTRY)


def _totals(kind: str) -> str:
    return f"SELECT label, sum(total) FROM work_tally WHERE kind = '{kind}' GROUP BY 1 HAVING sum(total) <> 0"


# name: (help, the query giving (label, value) rows, the label's name or None). All from the tallies the database
# keeps (migrations 0010 and 0012): a few ms at a million claims, where counting the tables themselves read the
# largest of them whole on every scrape (160 ms for the claims alone).
_STATE = {
    "factcheck_articles": (
        "Articles stored.",
        "SELECT '', coalesce(sum(total), 0) FROM work_tally WHERE kind = 'articles'",
        None,
    ),
    "factcheck_claims": ("Claims by state.", "SELECT state, sum(claims) FROM claim_tally GROUP BY 1", "state"),
    "factcheck_tasks": ("Verification tasks by status.", _totals("tasks"), "status"),
    "factcheck_evidence": ("Evidence by provider.", _totals("evidence"), "provider"),
    "factcheck_webhook_deliveries": ("Webhook deliveries by status.", _totals("webhook_deliveries"), "status"),
}
_OLDEST = (
    "SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM verification_task "
    "WHERE status IN ('pending', 'queued')"
)


class RequestMetrics(HttpMiddleware):
    """Times every request, labelled by its route's template (`/v1/claims/{claim_id}`, never the id)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started, status = time.perf_counter(), [500]

        def seen(message: Message) -> None:
            status[0] = message["status"]

        try:
            await self.app(scope, receive, on_response_start(send, seen))
        finally:
            template = getattr(scope.get("route"), "path", None) or "unmatched"
            REQUESTS.labels(template, scope["method"], str(status[0])).observe(time.perf_counter() - started)
            if status[0] == 429:
                RATE_LIMITED.inc()


@router.get("/metrics", summary="Metrics in Prometheus' text format", response_class=Response)
async def metrics(request: Request) -> Response:
    families = []
    async with request.app.state.engine.connect() as conn:
        for name, (help_, query, label) in _STATE.items():
            family = GaugeMetricFamily(name, help_, labels=[label] if label else [])
            for key, value in await conn.execute(text(query)):
                family.add_metric([key] if label else [], value)
            families.append(family)
        oldest = GaugeMetricFamily("factcheck_oldest_waiting_task_seconds", "Age of the oldest task not yet run.")
        oldest.add_metric([], float(await conn.scalar(text(_OLDEST))))
        families.append(oldest)
    body = generate_latest(_requests_registry()) + generate_latest(_Snapshot(families))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _requests_registry() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    every_process = CollectorRegistry()
    multiprocess.MultiProcessCollector(every_process)
    return every_process


class _Snapshot:
    """The database's figures, read for this scrape, in the shape prometheus_client writes out."""

    def __init__(self, families: list) -> None:
        self.families = families

    def collect(self):
        return self.families
