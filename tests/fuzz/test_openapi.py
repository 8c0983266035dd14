"""The API against its own OpenAPI document: generated requests, valid and invalid, on every operation.

Every answer must be one the document declares (status, content type, body and headers), no request may get
a 5xx, a request the document calls invalid must be refused with a 4xx and a valid one must not be refused
for its form (tests/fuzz/schemathesis.toml names the few refusals that depend on what is stored). The API
runs for real (PostgreSQL, Redis, uvicorn on loopback) and is called with the keys of every role
(tests/fuzz/hooks.py says which when).

The run is reproducible (a fixed seed, FACTCHECK_FUZZ_SEED) and short by default. FACTCHECK_FUZZ_EXAMPLES
(generated requests per operation) and FACTCHECK_FUZZ_SECONDS (a time budget, spent generating new inputs
once the first pass is done) make it longer: `make fuzz`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tests.support.articles import article
from tests.support.services import ROOT, api_server

CONFIG = Path(__file__).with_name("schemathesis.toml")
REPORT = ROOT / "test-artifacts" / "fuzz" / "report.json"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXAMPLES = os.environ.get("FACTCHECK_FUZZ_EXAMPLES", "3")
SECONDS = os.environ.get("FACTCHECK_FUZZ_SECONDS")
SEED = os.environ.get("FACTCHECK_FUZZ_SEED", "20261202")
# Subscriptions need a public host; this one is let through without being resolved.
HOOK_HOST = "hooks.example.org"
# The document states the configured limit; a small one keeps the longest generated texts small.
MAX_BODY_BYTES = 20_000
# The id of the integration signed deliveries go to: far from the small ids and the bounds that are
# generated, so that no generated request rotates its secret or disables it.
WEBHOOK_INTEGRATION = 7_777_777_777_777


@pytest.fixture
def fuzzed_api(settings):
    """The API, also allowing subscriptions to HOOK_HOST; its base URL."""
    configured = settings.model_copy(update={"fetch_allow_hosts": [HOOK_HOST], "max_body_bytes": MAX_BODY_BYTES})
    with api_server(configured) as url:
        yield url


@pytest.fixture
async def desk(fuzzed_api, keys, db) -> dict[str, str]:
    """Something for generated ids to find, and an integration for signed webhook deliveries: the
    environment that tells tests/fuzz/hooks.py about it."""
    async with httpx.AsyncClient(base_url=fuzzed_api, timeout=30) as http:
        await _decided_claim_with_a_delivery(http, keys)
        webhooks = await _made(http.post("/v1/integrations", headers=_auth(keys["admin"]), json={"name": "webhooks"}))
    async with db() as session, session.begin():  # out of the generated ids' way
        moved = {"old": webhooks["id"], "new": WEBHOOK_INTEGRATION}
        await session.execute(text("UPDATE integration SET id = :new WHERE id = :old"), moved)
    return {
        "FACTCHECK_FUZZ_WEBHOOK_INTEGRATION": str(WEBHOOK_INTEGRATION),
        "FACTCHECK_FUZZ_WEBHOOK_SECRET": webhooks["secret"],
    }


async def _decided_claim_with_a_delivery(http: httpx.AsyncClient, keys: dict[str, str]) -> None:
    """An integration named as the integration key, subscribed to its claims' verdicts; an article it sent,
    with claims; one of them decided, so that a delivery is waiting."""
    admin, events = _auth(keys["admin"]), {"event_types": ["claim.state_changed"]}
    integration = await _made(http.post("/v1/integrations", headers=admin, json={"name": "test-integration"} | events))
    subscription = {"url": f"https://{HOOK_HOST}/fuzz"} | events
    await _made(http.post(f"/v1/integrations/{integration['id']}/subscriptions", headers=admin, json=subscription))
    sent = await _made(http.post("/v1/articles", headers=_auth(keys["integration"]), json=article(external_id="f1")))
    claim, verdict = sent["claims"][0]["id"], {"to": "corroborated", "rationale": "Two outlets confirm."}
    await _made(http.post(f"/v1/claims/{claim}/transitions", headers=admin | {"If-Match": '"1"'}, json=verdict))


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _made(request) -> dict:
    response = await request
    assert response.status_code in (200, 201), response.text
    return response.json()


def requests_answered(api_url: str) -> int:
    """How many requests the API process has answered, by its own metrics."""
    metrics = httpx.get(f"{api_url}/metrics", timeout=30).text
    counts = re.findall(r"^factcheck_http_request_seconds_count\{.*\} (\S+)$", metrics, re.M)
    return int(sum(map(float, counts)))


def schemathesis_run(api_url: str, keys: dict[str, str], desk: dict[str, str]) -> int:
    """Its exit status; it writes its progress and failures to this process's output, its figures to REPORT."""
    command = [
        str(SCHEMATHESIS), "--config-file", str(CONFIG), "--no-color",
        "run", f"{api_url}/openapi.json", "--workers", "1", "--seed", SEED, "--max-examples", EXAMPLES,
        "--report", "json", "--report-json-path", str(REPORT),
    ]  # fmt: skip
    if SECONDS:
        command += ["--max-time", SECONDS]
    # The keys the requests carry (tests/fuzz/hooks.py): the admin's, and one of each role in turn.
    roles = {"FACTCHECK_FUZZ_ADMIN_KEY": keys["admin"], "FACTCHECK_FUZZ_KEYS": ",".join(keys.values())}
    # The generator's caches go beside the report, not into the checkout.
    caches = {"HYPOTHESIS_STORAGE_DIRECTORY": str(REPORT.parent / "hypothesis")}
    env = os.environ | desk | roles | caches
    return subprocess.run(command, env=env, cwd=ROOT).returncode


def test_every_answer_is_the_documented_one(fuzzed_api, keys, desk):
    before, started = requests_answered(fuzzed_api), time.monotonic()
    status = schemathesis_run(fuzzed_api, keys, desk)
    answered = requests_answered(fuzzed_api) - before - 1  # the first count was a request too
    cases = json.loads(REPORT.read_text())["test_cases"]["generated"]
    print(f"{answered} requests answered ({cases} generated cases) in {time.monotonic() - started:.0f} s")
    assert status == 0, f"schemathesis found failures: see its output above, and {REPORT}"
