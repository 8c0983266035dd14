"""Helpers for the review tests: a key for each person, articles with claims, evidence, and calls.

A test module imports the fixture functions (`from tests.review import api_fixture, people_fixture`) to have
the fixtures `api` (a client of the API with no key of its own) and `people` (name -> Authorization header).
"""

from __future__ import annotations

import httpx
import pytest

from shared.auth.keys import create_key
from shared.auth.roles import Role
from shared.evidence.models import Evidence
from shared.review.transitions import etag
from tests.support.articles import article

# The people of the tests, by the name their key has (the actor in the audit trail).
PEOPLE = {
    "rita": Role.reviewer,
    "rob": Role.reviewer,
    "ed": Role.editor,
    "ada": Role.admin,
    "wire": Role.integration,
}


@pytest.fixture(name="api")
async def api_fixture(api_url, db):
    """The API, with no key of its own: each call says who makes it (`headers=people[name]`)."""
    async with httpx.AsyncClient(base_url=api_url, timeout=60) as client:
        yield client


@pytest.fixture(name="people")
async def people_fixture(db) -> dict[str, dict[str, str]]:
    """name -> the Authorization header of that person's key."""
    headers = {}
    async with db() as session, session.begin():
        for name, role in PEOPLE.items():
            _, key = await create_key(session, name, role)
            headers[name] = {"Authorization": f"Bearer {key}"}
    return headers


async def claims_of_new_article(api, people, external_id: str = "a-1", **fields) -> list[dict]:
    response = await api.post("/v1/articles", json=article(external_id=external_id, **fields), headers=people["ada"])
    assert response.status_code == 201, response.text
    claims = response.json()["claims"]
    assert len(claims) >= 3
    return claims


async def add_evidence(db, claim_id: int, n: int = 1) -> list[int]:
    async with db() as session, session.begin():
        rows = [
            Evidence(
                claim_id=claim_id,
                provider="test",
                url=f"https://example.org/{claim_id}/{i}",
                passage="The agency confirmed the figures.",
                passage_start=0,
                passage_end=33,
                relevance=0.9,
                signals=[],
                content_hash="0" * 64,
            )
            for i in range(n)
        ]
        session.add_all(rows)
        await session.flush()
        return [r.id for r in rows]


async def move(
    api,
    who: dict[str, str],
    claim_id: int,
    to: str,
    *,
    version: int | None = None,
    if_match: str | None = None,
    rationale: str = "Two independent sources say so.",
    evidence_ids: list[int] | None = None,
) -> httpx.Response:
    """POST a transition. If-Match: `if_match` as given, else the ETag of `version`, else the ETag GET sends."""
    if if_match is None and version is not None:
        if_match = etag(version)
    elif if_match is None:
        current = await api.get(f"/v1/claims/{claim_id}", headers=who)
        assert current.status_code == 200, current.text
        if_match = current.headers["ETag"]
    body = {"to": to, "rationale": rationale} | ({"evidence_ids": evidence_ids} if evidence_ids is not None else {})
    return await api.post(f"/v1/claims/{claim_id}/transitions", json=body, headers=who | {"If-Match": if_match})


async def events(api, who: dict[str, str], claim_id: int) -> list[dict]:
    response = await api.get(f"/v1/claims/{claim_id}/history", headers=who)
    assert response.status_code == 200, response.text
    return response.json()["items"]
