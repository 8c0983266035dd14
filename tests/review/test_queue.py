"""The work queue: the caller's claims first, then unassigned ones; filters; sorting; bad parameters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from shared.claims.models import Claim
from tests.review import (  # noqa: F401  (fixtures)
    api_fixture,
    claims_of_new_article,
    move,
    people_fixture,
)


@pytest.fixture
async def world(api, people, db) -> dict[str, int]:
    """Eight claims from two sources, with known scores, ages, suggestions and assignees. name -> id."""
    wire = await claims_of_new_article(api, people, external_id="q-1", source="test-wire")
    courier = await claims_of_new_article(api, people, external_id="q-2", source="valley-courier")
    ids = [c["id"] for c in wire[:4] + courier[:4]]
    names = ["w1", "w2", "w3", "w4", "c1", "c2", "c3", "c4"]
    now = datetime.now(UTC)
    setup = {
        # name: (score, age in hours, suggested, assignee)
        "w1": (0.90, 1, "corroborated", None),
        "w2": (0.60, 50, "disputed", None),
        "w3": (0.80, 10, None, "rita"),
        "w4": (0.99, 5, None, "rob"),  # someone else's: never in rita's queue
        "c1": (0.70, 100, "disputed", None),
        "c2": (0.95, 0.5, None, None),
        "c3": (0.55, 30, "corroborated", "rita"),
        "c4": (0.65, 20, None, None),
    }
    async with db() as session, session.begin():
        for name, claim_id in zip(names, ids, strict=True):
            score, hours, suggested, assignee = setup[name]
            await session.execute(
                update(Claim)
                .where(Claim.id == claim_id)
                .values(
                    score=score,
                    created_at=now - timedelta(hours=hours),
                    suggested_state=suggested,
                    assignee=assignee,
                )
            )
    return dict(zip(names, ids, strict=True))


async def names_in(api, people, world, who="rita", **params) -> list[str]:
    response = await api.get("/v1/queue", params=params, headers=people[who])
    assert response.status_code == 200, response.text
    by_id = {v: k for k, v in world.items()}
    items = response.json()["items"]
    assert all(item["mine"] == (item["assignee"] == who) for item in items)
    return [by_id[item["id"]] for item in items]


async def test_mine_first_then_unassigned_by_score(api, people, world):
    assert await names_in(api, people, world) == ["w3", "c3", "c2", "w1", "c1", "c4", "w2"]
    assert await names_in(api, people, world, sort="score") == ["w3", "c3", "c2", "w1", "c1", "c4", "w2"]
    assert await names_in(api, people, world, who="rob") == ["w4", "c2", "w1", "c1", "c4", "w2"]
    # An editor who has nothing sees only the unassigned claims.
    assert await names_in(api, people, world, who="ed") == ["c2", "w1", "c1", "c4", "w2"]


async def test_sorted_by_age_oldest_first(api, people, world):
    assert await names_in(api, people, world, sort="age") == ["c3", "w3", "c1", "w2", "c4", "w1", "c2"]


async def test_filters(api, people, world):
    q = lambda **p: names_in(api, people, world, **p)  # noqa: E731
    assert await q(source="valley-courier") == ["c3", "c2", "c1", "c4"]
    assert await q(source="nowhere") == []
    assert await q(min_score=0.8) == ["w3", "c2", "w1"]
    assert await q(suggested="corroborated") == ["c3", "w1"]
    assert await q(suggested="disputed") == ["c1", "w2"]
    assert await q(suggested="none") == ["w3", "c2", "c4"]
    assert await q(min_age_hours=24) == ["c3", "c1", "w2"]
    assert await q(max_age_hours=12) == ["w3", "c2", "w1"]
    assert await q(min_age_hours=8, max_age_hours=40, sort="age") == ["c3", "w3", "c4"]
    assert await q(min_age_hours=10, max_age_hours=5) == []  # at least 10 and at most 5 hours: none, no error
    assert await q(article_id=(await article_of(api, people, world["c1"]))) == ["c3", "c2", "c1", "c4"]
    assert await q(limit=2) == ["w3", "c3"]
    assert await q(source="test-wire", suggested="disputed", min_score=0.5) == ["w2"]


async def article_of(api, people, claim_id: int) -> int:
    return (await api.get(f"/v1/claims/{claim_id}", headers=people["rita"])).json()["article_id"]


async def test_state_filter_follows_transitions(api, people, world):
    assert (await move(api, people["ed"], world["w1"], "disputed")).status_code == 200
    assert (await move(api, people["ed"], world["w3"], "corroborated")).status_code == 200
    assert await names_in(api, people, world, state="disputed") == ["w1"]
    assert await names_in(api, people, world, state="corroborated") == ["w3"]
    assert await names_in(api, people, world, state="unverified") == ["c3", "c2", "c1", "c4", "w2"]


async def test_queue_items_carry_the_claim_and_its_source(api, people, world):
    response = await api.get("/v1/queue", params={"limit": 1}, headers=people["rita"])
    (item,) = response.json()["items"]
    assert item["id"] == world["w3"] and item["source"] == "test-wire" and item["mine"] is True
    assert item["assignee"] == "rita" and item["state"] == "unverified" and item["version"] == 1
    assert item["score"] == pytest.approx(0.8) and item["text"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "maybe"}, "query.state"),
        ({"article_id": "x"}, "query.article_id"),
        ({"article_id": 0}, "query.article_id"),
        ({"article_id": 2**63}, "query.article_id"),
        ({"source": ""}, "query.source"),
        ({"source": "x" * 201}, "query.source"),
        ({"source": "a\x00b"}, "query.source"),
        ({"min_score": 1.5}, "query.min_score"),
        ({"min_score": -0.1}, "query.min_score"),
        ({"min_score": "nan"}, "query.min_score"),
        ({"min_score": "high"}, "query.min_score"),
        ({"suggested": "maybe"}, "query.suggested"),
        ({"min_age_hours": -1}, "query.min_age_hours"),
        ({"max_age_hours": "inf"}, "query.max_age_hours"),
        ({"max_age_hours": "soon"}, "query.max_age_hours"),
        ({"sort": "random"}, "query.sort"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 201}, "query.limit"),
        ({"limit": "all"}, "query.limit"),
    ],
)
async def test_bad_parameters_are_422_naming_the_field(api, people, world, params, field):
    response = await api.get("/v1/queue", params=params, headers=people["rita"])
    assert response.status_code == 422, (params, response.text)
    body = response.json()
    assert body["error"] == "invalid" and [f["field"] for f in body["fields"]] == [field]


async def test_who_may_read_the_queue(api, people, world):
    assert (await api.get("/v1/queue")).status_code == 401
    assert (await api.get("/v1/queue", headers=people["wire"])).status_code == 403
    for who in ("rita", "ed", "ada"):
        assert (await api.get("/v1/queue", headers=people[who])).status_code == 200
