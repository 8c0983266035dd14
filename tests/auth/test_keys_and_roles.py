"""API keys and roles: every endpoint against every role and no key; keys never logged or shown again."""

from __future__ import annotations

import asyncio
import logging
import re
import subprocess
import sys

import httpx
import pytest
from sqlalchemy import select

from services.api.app import create_app
from shared.auth.keys import InvalidKey, authenticate, create_key, revoke_key
from shared.auth.roles import Role
from shared.errors import Conflict
from shared.models import ApiKey
from tests.support.articles import article
from tests.support.services import ROOT, api_server

ROLES = ("none", "integration", "reviewer", "editor", "admin")


def headers(keys: dict[str, str], role: str) -> dict[str, str]:
    # If-Match "1": every claim a role moves is untouched until then (see MATRIX).
    return {"If-Match": '"1"'} | ({} if role == "none" else {"Authorization": f"Bearer {keys[role]}"})


def target(path: str, world: dict, role: str) -> str:
    return path.format(**world, mine=world["claims"][ROLES.index(role) % len(world["claims"])])


@pytest.fixture
async def world(api_url, keys):
    """One article submitted by an admin and one by the integration, with their first claims."""
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        mine = (
            await http.post("/v1/articles", json=article(external_id="m-int"), headers=headers(keys, "integration"))
        ).json()
        theirs = (
            await http.post("/v1/articles", json=article(external_id="m-adm"), headers=headers(keys, "admin"))
        ).json()
    claims = [c["id"] for c in theirs["claims"]]
    assert len(claims) >= 4, "one untouched claim for each role with a key, so moves do not collide"
    return {"own_article": mine["id"], "own_claim": mine["claims"][0]["id"], "article": theirs["id"],
            "claim": claims[0], "claims": claims}  # fmt: skip


MOVE = {"to": "corroborated", "rationale": "Two independent outlets confirm it."}
HOOK = {"url": "https://cms.example/hook", "event_types": ["claim.state_changed"]}

# (method, path, body, expected status per role in ROLES order). {mine} is a claim of the role's own, so that
# one role's move or take does not change what the next role finds.
MATRIX = [
    ("POST", "/v1/articles", "new-article", (401, 201, 403, 403, 201)),
    ("GET", "/v1/articles/{article}", None, (401, 404, 200, 200, 200)),
    ("GET", "/v1/articles/{own_article}", None, (401, 200, 200, 200, 200)),
    ("GET", "/v1/claims", None, (401, 200, 200, 200, 200)),
    ("GET", "/v1/claims/{claim}", None, (401, 404, 200, 200, 200)),
    ("GET", "/v1/claims/{own_claim}", None, (401, 200, 200, 200, 200)),
    ("POST", "/v1/claims/{claim}/verify", None, (401, 403, 202, 202, 202)),
    ("POST", "/v1/extract", {"text": "The agency said 1,200 homes were flooded."}, (401, 200, 200, 200, 200)),
    ("POST", "/v1/claims/{mine}/transitions", MOVE, (401, 403, 200, 200, 200)),
    ("POST", "/v1/claims/{mine}/take", None, (401, 403, 200, 200, 200)),
    ("POST", "/v1/claims/{mine}/release", None, (401, 403, 200, 200, 200)),
    ("PUT", "/v1/claims/{mine}/assignee", {"assignee": "test-reviewer"}, (401, 403, 403, 200, 200)),
    ("POST", "/v1/claims/{mine}/notes", {"text": "Called the agency's press office."}, (401, 403, 201, 201, 201)),
    ("GET", "/v1/claims/{mine}/history", None, (401, 404, 200, 200, 200)),
    ("GET", "/v1/claims/{own_claim}/history", None, (401, 200, 200, 200, 200)),  # an integration's own verdicts
    ("GET", "/v1/queue", None, (401, 403, 200, 200, 200)),
    ("POST", "/v1/integrations", {"name": "Matrix CMS"}, (401, 403, 403, 403, 201)),
    ("GET", "/v1/integrations", None, (401, 403, 403, 403, 200)),
    ("POST", "/v1/integrations/1/disable", None, (401, 403, 403, 403, 404)),
    ("GET", "/v1/reports/summary", None, (401, 403, 403, 200, 200)),
    ("GET", "/v1/reports/reviewers", None, (401, 403, 403, 200, 200)),
    ("GET", "/v1/exports/claims.csv", None, (401, 403, 403, 200, 200)),
    ("GET", "/v1/claims/{claim}/claimreview", None, (401, 403, 403, 404, 404)),
    ("GET", "/v1/claimreview", None, (401, 403, 403, 200, 200)),
    ("GET", "/v1/claims/{claim}/related", None, (401, 404, 200, 200, 200)),
    ("GET", "/v1/claims/{own_claim}/related", None, (401, 200, 200, 200, 200)),
    ("POST", "/v1/integrations/999999/rotate", None, (401, 403, 403, 403, 404)),
    ("POST", "/v1/integrations/999999/subscriptions", HOOK, (401, 403, 403, 403, 404)),
    ("GET", "/v1/integrations/999999/subscriptions", None, (401, 403, 403, 403, 404)),
    ("GET", "/v1/subscriptions/999999/deliveries", None, (401, 403, 403, 403, 404)),
    ("POST", "/v1/deliveries/999999/redeliver", None, (401, 403, 403, 403, 404)),
    # Signed by an integration's secret, not a key: unsigned is 401 whatever key comes with it.
    ("POST", "/v1/webhooks/999999/articles", "new-article", (401, 401, 401, 401, 401)),
    ("GET", "/v1/reports/timeseries?metric=verdicts", None, (401, 403, 403, 200, 200)),
    ("GET", "/v1/reports/sources", None, (401, 403, 403, 200, 200)),
    ("GET", "/v1/me", None, (401, 200, 200, 200, 200)),
    ("GET", "/", None, (200, 200, 200, 200, 200)),  # the page: it holds no data and asks for a key
    ("GET", "/healthz", None, (200, 200, 200, 200, 200)),
    ("GET", "/metrics", None, (200, 200, 200, 200, 200)),
    ("GET", "/readyz", None, (200, 200, 200, 200, 200)),
    ("GET", "/openapi.json", None, (200, 200, 200, 200, 200)),
]


def test_the_matrix_has_every_operation_of_the_api(settings):
    def shape(path: str) -> str:  # "/v1/claims/{claim_id}", "/v1/claims/{mine}", "/v1/claims/1" alike
        return re.sub(r"/(\{[^}]+\}|\d+)", "/{}", path.split("?")[0])

    document = create_app(settings).openapi()
    operations = {(method.upper(), shape(path)) for path, ops in document["paths"].items() for method in ops}
    assert operations <= {(method, shape(path)) for method, path, *_ in MATRIX}


@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX])
async def test_every_endpoint_against_every_role(api_url, keys, world, method, path, body, expected):
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        for n, (role, status) in enumerate(zip(ROLES, expected, strict=True)):
            payload = article(external_id=f"new-{role}-{n}") if body == "new-article" else body
            if path.endswith("/release") and role in ("reviewer", "editor", "admin"):  # one's own to release
                taken = await http.post(target("/v1/claims/{mine}/take", world, role), headers=headers(keys, role))
                assert taken.status_code == 200
            response = await http.request(method, target(path, world, role), json=payload, headers=headers(keys, role))
            assert response.status_code == status, (role, method, path, response.text[:200])
            if status in (401, 403):
                assert response.json()["error"] in ("unauthenticated", "forbidden", "bad_signature")


async def test_an_integration_lists_only_its_own_claims(api_url, keys, world):
    async with httpx.AsyncClient(base_url=api_url, timeout=30, headers=headers(keys, "integration")) as http:
        listed = (await http.get("/v1/claims", params={"limit": 200})).json()["items"]
    assert listed and {c["article_id"] for c in listed} == {world["own_article"]}


async def test_bad_and_revoked_keys_are_401(api_url, keys, db):
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        for value in ("Bearer nonsense", "Bearer fck_x_y", f"Basic {keys['admin']}", "Bearer", keys["admin"]):
            response = await http.get("/v1/claims", headers={"Authorization": value})
            assert response.status_code == 401, value
        async with db() as session, session.begin():
            key_id = await session.scalar(select(ApiKey.id).where(ApiKey.name == "test-reviewer"))
            await revoke_key(session, key_id)
        response = await http.get("/v1/claims", headers=headers(keys, "reviewer"))
        assert response.status_code == 401 and "revoked" in response.json()["detail"]


async def test_a_key_checked_lately_is_trusted_for_key_cache_seconds_then_looked_up_again(settings, keys, db):
    """The price of not looking every key up: a revoked key is refused at most that much later."""
    with api_server(settings.model_copy(update={"key_cache_seconds": 3.0})) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30, headers=headers(keys, "reviewer")) as http:
            assert (await http.get("/v1/claims")).status_code == 200
            async with db() as session, session.begin():
                key_id = await session.scalar(select(ApiKey.id).where(ApiKey.name == "test-reviewer"))
                await revoke_key(session, key_id)
            assert (await http.get("/v1/claims")).status_code == 200  # checked less than 3 s ago
            await asyncio.sleep(3.2)
            response = await http.get("/v1/claims")
            assert response.status_code == 401 and "revoked" in response.json()["detail"]


async def test_keys_are_stored_only_as_hashes(keys, db):
    async with db() as session:
        rows = (await session.scalars(select(ApiKey))).all()
        assert len(rows) == 4
        for row in rows:
            assert all(
                row.secret_hash not in key and key.split("_", 2)[2] not in row.secret_hash for key in keys.values()
            )
        principal = await authenticate(session, keys["editor"])
        assert principal.name == "test-editor" and principal.role == "editor"
        assert await authenticate(session, keys["editor"][:-1] + "x") is None


async def test_keys_appear_in_no_log_line_and_no_response(api_url, keys, world, caplog):
    caplog.set_level(logging.DEBUG)
    # The service's most talkative logger: every statement with its parameters (the key lookup included).
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    seen = []
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        for role in ROLES[1:]:
            for method, path, body, _ in MATRIX:
                payload = article(external_id=f"log-{role}") if body == "new-article" else body
                response = await http.request(
                    method, target(path, world, role), json=payload, headers=headers(keys, role)
                )
                seen.append(response.text)
            seen.append((await http.get("/v1/claims", headers={"Authorization": f"Bearer {keys[role]}x"})).text)
    secrets = [key.split("_", 2)[2] for key in keys.values()]
    # The service's log lines, not those of this test's own HTTP client (httpx, httpcore).
    service = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert service, "the test must capture the service's logs"
    leaks = [r.getMessage() for r in service if any(secret in r.getMessage() for secret in secrets)]
    assert leaks == []
    assert not any(secret in text for secret in secrets for text in seen)


def test_the_cli_prints_a_new_key_alone_and_lists_keys_without_it(servers, tmp_path):
    env = {"FACTCHECK_DATABASE_URL": servers[0], "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    run = [sys.executable, "-m", "services.cli", "keys"]
    created = subprocess.run([*run, "create", "--name", "cli-test", "--role", "editor"], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True)  # fmt: skip
    key = created.stdout.strip()
    assert created.stdout == key + "\n" and key.startswith("fck_")
    listed = subprocess.run([*run, "list"], cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    line = next(line for line in listed.splitlines() if "cli-test" in line)
    assert "editor" in line and "active" in line and key.split("_", 2)[2] not in listed
    key_id = line.split("\t")[0]
    subprocess.run([*run, "revoke", key_id], cwd=ROOT, env=env, capture_output=True, check=True)
    listed = subprocess.run([*run, "list"], cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    assert "revoked" in next(line for line in listed.splitlines() if "cli-test" in line)
    bad = subprocess.run([*run, "create", "--name", "x", "--role", "owner"], cwd=ROOT, env=env, capture_output=True)
    assert bad.returncode != 0


async def test_an_integration_cannot_reach_another_senders_article_through_idempotency(api_url, keys, db, world):
    async with db() as session, session.begin():
        _, other = await create_key(session, "other-wire", Role.integration)
    async with httpx.AsyncClient(base_url=api_url, timeout=30, headers={"Authorization": f"Bearer {other}"}) as http:
        same_key = await http.post("/v1/articles", json=article(external_id="m-int", body="Made up."))
        admins = await http.post("/v1/articles", json=article(external_id="m-adm"))
        first = await http.post(
            "/v1/articles", json=article(title="No external id"), headers=headers(keys, "integration")
        )
        same_content = await http.post("/v1/articles", json=article(title="No external id"))
    assert first.status_code == 201
    for response in (same_key, admins, same_content):
        assert response.status_code == 409 and "another sender" in response.json()["detail"]
        assert "claims" not in response.json()


async def test_key_names_are_unique_and_sensible(db):
    async with db() as session, session.begin():
        await create_key(session, "Desk", Role.reviewer)
        for name, error in (("desk", Conflict), ("", InvalidKey), ("x" * 201, InvalidKey)):
            with pytest.raises(error):
                await create_key(session, name, Role.reviewer)


async def test_no_key_is_401_before_the_body_is_looked_at(api_url):
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        for path in ("/v1/articles", "/v1/claims/1/transitions", "/v1/nothing-here"):
            response = await http.post(path, content=b"{bad", headers={"content-type": "application/json"})
            assert response.status_code == 401 and response.json()["error"] == "unauthenticated", path
