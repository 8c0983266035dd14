"""Nothing a client sends produces a 5xx: each hostile input is refused with a 4xx, or accepted if valid."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import func, select, text

from shared.models import Article
from tests.support.articles import article

HOSTILE_POSTS = {
    "NUL in body": article(body="Officials said 12 bridges closed.\x00"),
    "NUL in title": article(title="Flood\x00"),
    "NUL in external id": article(external_id="a\x00b"),
    "NUL in source": article(source="wire\x00"),
    "NUL in a link": article(links=["https://example.org/\x00"]),
    "long language tag": article(language="en-" + "-".join(["abcdefgh"] * 6)),
    "year 1 east of UTC": article(published_at="0001-01-01T00:00:00+01:00"),
    "year 9999 west of UTC": article(published_at="9999-12-31T23:30:00-01:00"),
    "a date as a number (Unix time)": article(published_at=1700000000),
    "title not a string": article(title=["a"]),
    "links not a list": article(links="https://example.org"),
    "too many links": article(links=[f"https://example.org/{i}" for i in range(101)]),
    "only zero-width characters in body": article(body="\u200b\u200c\u200d\ufeff" * 20),
}

RAW_POSTS = {
    "lone surrogate in body": b'{"title": "t", "body": "abc \\ud800 def"}',
    "lone surrogate in title": b'{"title": "t \\udc00", "body": "The agency said 3 roads closed."}',
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
    "empty": b"",
    "a number": b"42",
    "null": b"null",
}

HOSTILE_GETS = [
    "/v1/articles/99999999999999999999",
    "/v1/articles/0",
    "/v1/articles/-1",
    "/v1/claims/99999999999999999999",
    "/v1/claims?article_id=99999999999999999999",
    "/v1/claims?cursor=99999999999999999999",
    "/v1/claims?min_score=nan",
    "/v1/claims?limit=1e9",
    "/v1/reports/summary?to=9999-12-31T23:59:59-23:59",  # past year 9999 once in UTC
    "/v1/reports/summary?to=0001-01-02T00:00:00Z",  # `from`, 30 days before, would be before year 1
    "/v1/claimreview?since=9999-12-31T23:59:59-23:59",
    "/v1/reports/summary?to=0.5",  # a number is not ISO 8601, though a lenient parser takes it for Unix time
    "/v1/reports/summary?source=a%00b",
]


@pytest.mark.parametrize("name", HOSTILE_POSTS)
async def test_hostile_json_is_refused_with_a_4xx(client, db, name):
    response = await client.post("/v1/articles", json=HOSTILE_POSTS[name])
    assert 400 <= response.status_code < 500, (name, response.status_code, response.text[:300])
    assert set(response.json()) >= {"error", "detail"}
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Article)) == 0


@pytest.mark.parametrize("name", RAW_POSTS)
async def test_hostile_bytes_are_refused_with_a_4xx(client, db, name):
    response = await client.post("/v1/articles", content=RAW_POSTS[name], headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, (name, response.status_code, response.text[:300])
    assert response.json()["error"] in ("invalid", "invalid_json", "too_deep")


@pytest.mark.parametrize("path", HOSTILE_GETS)
async def test_hostile_reads_are_refused_with_a_4xx(client, db, path):
    response = await client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code, response.text[:300])


async def test_a_body_under_the_limit_is_accepted_however_it_is_escaped(client, db):
    # 400,000 "é" = 800 kB of UTF-8, sent as \\u00e9 escapes: 2.4 MB on the wire, still a valid article.
    payload = json.dumps(article(body="é" * 400_000, external_id="escaped"), ensure_ascii=True).encode()
    response = await client.post("/v1/articles", content=payload, headers={"content-type": "application/json"})
    assert response.status_code == 201, response.text[:300]


async def test_concurrent_identical_posts_store_one_article(client, db):
    for key in ({"external_id": "same-1"}, {}):
        responses = await asyncio.gather(*(client.post("/v1/articles", json=article(**key)) for _ in range(20)))
        assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
        assert len({r.json()["id"] for r in responses}) == 1
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Article)) == 2


async def test_titles_with_line_breaks_do_not_collide(client, db):
    first = await client.post("/v1/articles", json=article(title="A\nB", body="C said 3 roads closed."))
    second = await client.post("/v1/articles", json=article(title="A", body="B\nC said 3 roads closed."))
    assert (first.status_code, second.status_code) == (201, 201)


async def test_the_answer_comes_only_after_the_commit(client, db, engine):
    """A commit that fails must not be answered 201: the client would believe a lost article was stored."""
    async with engine.begin() as conn:
        for statement in FAIL_AT_COMMIT:
            await conn.execute(text(statement))
    try:
        response = await client.post("/v1/articles", json=article(title="fail at commit", external_id="c-1"))
        assert response.status_code >= 500
        async with db() as session:
            assert await session.scalar(select(func.count()).select_from(Article)) == 0
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DROP TRIGGER fail_at_commit ON article"))
            await conn.execute(text("DROP FUNCTION fail_at_commit()"))


# A deferred trigger runs at COMMIT, after the endpoint has returned: the test's way to make a commit fail.
FAIL_AT_COMMIT = (
    """CREATE FUNCTION fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.title = 'fail at commit' THEN RAISE EXCEPTION 'commit refused by the test'; END IF;
        RETURN NULL;
    END $$""",
    """CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON article DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION fail_at_commit()""",
)


async def test_valid_json_too_deep_to_read_is_said_to_be_so(client, db):
    """Valid JSON a thousand levels deep is not "invalid JSON": the answer says what it is."""
    deep = b'{"title": "t", "body": "b", "links": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    response = await client.post("/v1/articles", content=deep, headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["error"] == "too_deep", response.text[:300]


async def test_extract_takes_a_number_for_threshold_not_a_boolean(client):
    refused = await client.post("/v1/extract", json={"text": "The agency said 3 roads closed.", "threshold": False})
    assert refused.status_code == 422
    assert (
        await client.post("/v1/extract", json={"text": "The agency said 3 roads closed.", "threshold": 1})
    ).status_code == 200
