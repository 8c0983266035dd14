"""Articles by signed webhook: Standard Webhooks as its reference library signs them, verified, ingested once."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from shared.integrations.registry import create_integration, rotate_secret
from shared.models import Article, Claim, Integration, WebhookReceipt
from tests.support.articles import article
from tests.support.rate_window import clear_of_a_minute_boundary
from tests.support.services import ROOT, api_server


@pytest.fixture
async def integration(db, settings) -> tuple[int, str]:
    async with db() as session, session.begin():
        made = await create_integration(session, settings, "Desk CMS", ["claim.state_changed"])
    return made.integration.id, made.secret


def signed(secret: str, body: bytes, webhook_id: str = "msg_1", at: datetime | None = None) -> dict[str, str]:
    """Headers as the reference library makes them: an independent peer of our verification."""
    at = at or datetime.now(UTC)
    signature = Webhook(secret).sign(webhook_id, at, body.decode())
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


async def counts(db) -> tuple[int, int, int]:
    async with db() as session:
        return (
            await session.scalar(select(func.count()).select_from(Article)),
            await session.scalar(select(func.count()).select_from(Claim)),
            await session.scalar(select(func.count()).select_from(WebhookReceipt)),
        )


async def test_a_delivery_signed_by_the_reference_library_is_ingested_as_the_integration(
    api_url, db, integration, keys
):
    integration_id, secret = integration
    body = json.dumps([article(external_id="wh-1"), article(external_id="wh-2", title="Second")]).encode()
    async with httpx.AsyncClient(base_url=api_url) as http:
        answer = await http.post(f"/v1/webhooks/{integration_id}/articles", content=body, headers=signed(secret, body))
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == [201, 201] and all(r["claims"] > 0 for r in results)
    async with db() as session:
        senders = set(await session.scalars(select(Article.submitted_by)))
    assert senders == {"Desk CMS"}  # submitted by the integration: an integration key of that name reads them


@pytest.mark.parametrize(
    "spoil",
    [
        "tampered body",
        "wrong secret",
        "old timestamp",
        "future timestamp",
        "garbage",
        "v1,a,b",
        "bad base64",
        "no signature",
        "no id",
        "unknown integration",
    ],
)
async def test_a_delivery_that_is_not_genuine_is_401_and_stores_nothing(api_url, db, integration, spoil):
    integration_id, secret = integration
    body = json.dumps(article(external_id="wh-bad")).encode()
    headers, path = signed(secret, body), f"/v1/webhooks/{integration_id}/articles"
    now = datetime.now(UTC)
    if spoil == "tampered body":
        body = body.replace(b"River", b"Rover")
    elif spoil == "wrong secret":
        headers = signed("whsec_" + base64.b64encode(b"x" * 32).decode(), body)
    elif spoil == "old timestamp":
        headers = signed(secret, body, at=now - timedelta(minutes=6))
    elif spoil == "future timestamp":
        headers = signed(secret, body, at=now + timedelta(minutes=6))
    elif spoil in ("garbage", "v1,a,b"):
        headers["webhook-signature"] = spoil
    elif spoil == "bad base64":
        headers["webhook-signature"] = "v1,!!!notbase64***"
    elif spoil == "no signature":
        del headers["webhook-signature"]
    elif spoil == "no id":
        del headers["webhook-id"]
    else:
        path = "/v1/webhooks/999999/articles"
    async with httpx.AsyncClient(base_url=api_url) as http:
        answer = await http.post(path, content=body, headers=headers)
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "bad_signature"
    assert await counts(db) == (0, 0, 0)


async def test_a_body_over_the_limit_is_413_and_bad_json_or_schema_is_422(api_url, db, integration, settings):
    integration_id, secret = integration
    path = f"/v1/webhooks/{integration_id}/articles"
    huge = b'{"title": "x", "body": "' + b"a" * (6 * settings.max_body_bytes + 70_000) + b'"}'
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        assert (await http.post(path, content=huge, headers=signed(secret, huge))).status_code == 413
        for body, error in ((b"{not json", "invalid_json"), (b'{"title": ""}', "invalid"), (b"[]", "invalid")):
            answer = await http.post(path, content=body, headers=signed(secret, body))
            assert answer.status_code == 422 and answer.json()["error"] == error, answer.text
    assert await counts(db) == (0, 0, 0)


async def test_the_same_delivery_ten_times_five_at_once_is_processed_once(api_url, db, integration):
    integration_id, secret = integration
    body = json.dumps(article(external_id="wh-once")).encode()
    headers, path = signed(secret, body, webhook_id="msg_once"), f"/v1/webhooks/{integration_id}/articles"
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        at_once = await asyncio.gather(*(http.post(path, content=body, headers=headers) for _ in range(5)))
        one_by_one = [await http.post(path, content=body, headers=headers) for _ in range(5)]
    answers = [a.json() for a in at_once + one_by_one]
    assert all(a.status_code == 200 for a in at_once + one_by_one)
    assert all(a == answers[0] for a in answers) and answers[0]["results"][0]["status"] == 201
    articles, claims, receipts = await counts(db)
    assert (articles, receipts) == (1, 1) and claims == answers[0]["results"][0]["claims"]


async def test_during_a_rotation_either_secret_verifies(api_url, db, integration, settings):
    integration_id, old = integration
    async with db() as session, session.begin():
        new = (await rotate_secret(session, settings, integration_id)).secret
    body = json.dumps(article(external_id="wh-rotated")).encode()
    both = signed(old, body, "msg_rot")
    both["webhook-signature"] += " " + signed(new, body, "msg_rot")["webhook-signature"]
    async with httpx.AsyncClient(base_url=api_url) as http:
        assert (
            await http.post(f"/v1/webhooks/{integration_id}/articles", content=body, headers=both)
        ).status_code == 200
        only_old = signed(old, body, "msg_old")
        assert (
            await http.post(f"/v1/webhooks/{integration_id}/articles", content=body, headers=only_old)
        ).status_code == 200
    async with db() as session, session.begin():  # the grace period over: the old secret no longer verifies
        stored = await session.get(Integration, integration_id)
        stored.previous_until = datetime.now(UTC) - timedelta(seconds=1)
    async with httpx.AsyncClient(base_url=api_url) as http:
        later = signed(old, body, "msg_late")
        assert (
            await http.post(f"/v1/webhooks/{integration_id}/articles", content=body, headers=later)
        ).status_code == 401


async def test_secrets_are_encrypted_at_rest_and_admins_manage_integrations(api_url, db, keys):
    async with httpx.AsyncClient(base_url=api_url, headers={"Authorization": f"Bearer {keys['admin']}"}) as http:
        made = (
            await http.post("/v1/integrations", json={"name": "Wire", "event_types": ["claim.state_changed"]})
        ).json()
        assert made["secret"].startswith("whsec_") and len(base64.b64decode(made["secret"][6:])) == 32
        listed = (await http.get("/v1/integrations")).json()
        assert [i["name"] for i in listed] == ["Wire"] and "secret" not in listed[0]
        assert (await http.post("/v1/integrations", json={"name": "wire"})).status_code == 409
        assert (await http.post("/v1/integrations", json={"name": "X", "event_types": ["nope"]})).status_code == 422
        rotated = (await http.post(f"/v1/integrations/{made['id']}/rotate")).json()
        assert rotated["secret"] != made["secret"] and rotated["previous_until"]
        assert (await http.post(f"/v1/integrations/{made['id']}/disable")).json()["disabled_at"]
    async with db() as session:
        stored = await session.get(Integration, made["id"])
    assert made["secret"] not in stored.previous_secret and rotated["secret"] not in stored.secret
    body = json.dumps(article(external_id="wh-off")).encode()
    async with httpx.AsyncClient(base_url=api_url) as http:  # disabled: refused
        answer = await http.post(
            f"/v1/webhooks/{made['id']}/articles", content=body, headers=signed(rotated["secret"], body)
        )
    assert answer.status_code == 401


def test_the_cli_makes_lists_rotates_and_disables_integrations(servers, tmp_path):
    env = {"FACTCHECK_DATABASE_URL": servers[0], "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "FACTCHECK_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    run = [sys.executable, "-m", "services.cli", "integrations"]
    created = subprocess.run([*run, "create", "--name", "cli-cms", "--events", "claim.state_changed"], cwd=ROOT,
                             env=env, capture_output=True, text=True, check=True)  # fmt: skip
    secret = created.stdout.strip()
    assert created.stdout == secret + "\n" and secret.startswith("whsec_")
    assert (tmp_path / "data" / "secret.key").stat().st_mode & 0o777 == 0o600  # no key configured: one made
    listed = subprocess.run([*run, "list"], cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    line = next(line for line in listed.splitlines() if "cli-cms" in line)
    assert "claim.state_changed" in line and "active" in line and secret not in listed
    integration_id = line.split("\t")[0]
    rotated = subprocess.run([*run, "rotate", integration_id], cwd=ROOT, env=env, capture_output=True, text=True,
                             check=True).stdout.strip()  # fmt: skip
    assert rotated.startswith("whsec_") and rotated != secret
    subprocess.run([*run, "disable", integration_id], cwd=ROOT, env=env, capture_output=True, check=True)
    listed = subprocess.run([*run, "list"], cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    assert "disabled" in next(line for line in listed.splitlines() if "cli-cms" in line)


async def test_a_number_too_long_to_read_is_422_not_500(api_url, db, integration):
    integration_id, secret = integration
    body = b'{"title": ' + b"1" * 5000 + b', "body": "x"}'
    async with httpx.AsyncClient(base_url=api_url) as http:
        answer = await http.post(f"/v1/webhooks/{integration_id}/articles", content=body, headers=signed(secret, body))
    assert answer.status_code == 422 and answer.json()["error"] == "invalid_json"
    assert await counts(db) == (0, 0, 0)


async def test_two_batches_of_the_same_articles_in_opposite_orders_at_once(api_url, db, integration):
    integration_id, secret = integration
    articles = [article(external_id=f"both-{n}", title=f"Report {n}") for n in range(30)]
    forward, backward = json.dumps(articles).encode(), json.dumps(articles[::-1]).encode()
    async with httpx.AsyncClient(base_url=api_url, timeout=60) as http:
        answers = await asyncio.gather(
            http.post(f"/v1/webhooks/{integration_id}/articles", content=forward, headers=signed(secret, forward, "f")),
            http.post(
                f"/v1/webhooks/{integration_id}/articles", content=backward, headers=signed(secret, backward, "b")
            ),
        )
    assert [a.status_code for a in answers] == [200, 200], [a.text[:300] for a in answers]
    statuses = sorted(r["status"] for a in answers for r in a.json()["results"])
    assert statuses == [200] * 30 + [201] * 30  # each article made once, found by the other batch
    assert (await counts(db))[0] == 30


async def test_integrations_of_one_name_made_at_once_make_one(api_url, keys):
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    async with httpx.AsyncClient(base_url=api_url, headers=admin) as http:
        answers = await asyncio.gather(
            *(http.post("/v1/integrations", json={"name": name}) for name in ("Same", "same", "SAME", "Same"))
        )
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]


async def test_an_integration_over_its_rate_gets_429(settings, db, integration):
    integration_id, secret = integration
    limited = settings.model_copy(update={"rate_limit_per_minute": 3})
    with api_server(limited) as api:
        async with httpx.AsyncClient(base_url=api) as http:
            await clear_of_a_minute_boundary()
            statuses = []
            for n in range(4):
                body = json.dumps(article(external_id=f"rate-{n}")).encode()
                answer = await http.post(f"/v1/webhooks/{integration_id}/articles", content=body,
                                         headers=signed(secret, body, f"rate-{n}"))  # fmt: skip
                statuses.append(answer.status_code)
    assert statuses == [200, 200, 200, 429] and "retry-after" in answer.headers
