"""POST /v1/articles: claims with exact offsets, one task per claim, idempotency, and bad input refused."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from shared.models import Article, Claim, VerificationTask
from tests.support.articles import BODY, article


async def counts(db) -> tuple[int, int, int]:
    async with db() as session:
        return tuple(
            [await session.scalar(select(func.count()).select_from(m)) for m in (Article, Claim, VerificationTask)]
        )


async def test_claims_slice_the_body_exactly_and_each_gets_a_pending_task(client, db):
    response = await client.post("/v1/articles", json=article(external_id="w-1"))
    assert response.status_code == 201, response.text
    data = response.json()
    assert data["id"] > 0 and data["extraction_note"] is None
    claims = data["claims"]
    assert claims, "the flood figures are check-worthy"
    for claim in claims:
        assert BODY[claim["char_start"] : claim["char_end"]] == claim["text"]
        assert claim["state"] == "unverified" and claim["version"] == 1
        assert claim["reasons"]
    texts = " ".join(c["text"] for c in claims)
    assert "1,200 homes" in texts
    assert "turning point" not in texts  # commentary is not a claim
    assert "Damage Across the Valley" not in texts  # nor is a heading
    async with db() as session:
        tasks = (await session.scalars(select(VerificationTask))).all()
    assert sorted(t.claim_id for t in tasks) == sorted(c["id"] for c in claims)
    assert {t.status for t in tasks} <= {"pending", "queued"}  # no relay runs in this test


async def test_same_article_again_gives_200_and_the_same_ids(client, db):
    first = await client.post("/v1/articles", json=article(external_id="w-2"))
    again = await client.post("/v1/articles", json=article(external_id="w-2", title="Edited headline"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert [c["id"] for c in again.json()["claims"]] == [c["id"] for c in first.json()["claims"]]
    assert await counts(db) == (1, len(first.json()["claims"]), len(first.json()["claims"]))


async def test_without_external_id_the_same_content_is_the_same_article(client, db):
    first = await client.post("/v1/articles", json=article())
    again = await client.post("/v1/articles", json=article())
    other_source = await client.post("/v1/articles", json=article(source="other-wire"))
    assert (first.status_code, again.status_code, other_source.status_code) == (201, 200, 201)
    assert again.json()["id"] == first.json()["id"] != other_source.json()["id"]


async def test_not_english_is_stored_without_claims_and_says_so(client, db):
    response = await client.post("/v1/articles", json=article(language="fr", external_id="fr-1"))
    assert response.status_code == 201
    data = response.json()
    assert data["claims"] == []
    assert "language 'fr' is not supported" in data["extraction_note"]
    assert await counts(db) == (1, 0, 0)


async def test_optional_fields_are_kept_as_sent(client, db):
    links = ["https://example.org/report?id=7", "http://example.com/a"]
    response = await client.post(
        "/v1/articles",
        json=article(url="https://news.example.org/wendle", links=links, published_at="2026-03-01T08:00:00"),
    )
    assert response.status_code == 201
    data = response.json()
    assert data["url"] == "https://news.example.org/wendle"
    assert data["links"] == links
    assert data["published_at"].startswith("2026-03-01T08:00:00")  # no zone given: taken as UTC
    fetched = await client.get(f"/v1/articles/{data['id']}")
    assert fetched.status_code == 200 and fetched.json() == data


async def raw_post(client, content: bytes, content_type: str = "application/json"):
    return await client.post("/v1/articles", content=content, headers={"content-type": content_type})


async def test_bad_input_gets_a_4xx_naming_the_problem_and_stores_nothing(client, db):
    cases = {
        "invalid json": (raw_post(client, b'{"title": "x", "body": '), 422, "not valid JSON"),
        "missing body": (client.post("/v1/articles", json={"title": "x"}), 422, "body"),
        "body of spaces": (client.post("/v1/articles", json=article(body="   \n\t ")), 422, "body"),
        "2 MB body": (client.post("/v1/articles", json=article(body="a" * 2_000_000)), 413, "body"),
        "not utf-8": (raw_post(client, b'{"title": "x", "body": "caf\xe9 \xff\xfe"}'), 422, "UTF-8"),
        "javascript url": (client.post("/v1/articles", json=article(url="javascript:alert(1)")), 422, "url"),
        "relative link": (client.post("/v1/articles", json=article(links=["/about"])), 422, "links.0"),
        "long title": (client.post("/v1/articles", json=article(title="t" * 501)), 422, "title"),
        "bad language": (client.post("/v1/articles", json=article(language="english!")), 422, "language"),
        "bad date": (client.post("/v1/articles", json=article(published_at="yesterday")), 422, "published_at"),
        "not an object": (raw_post(client, b"[1, 2]"), 422, "body"),
        "huge request": (raw_post(client, b" " * 7_000_000), 413, "larger than"),
    }
    for name, (request, status, needle) in cases.items():
        response = await request
        assert response.status_code == status, (name, response.status_code, response.text[:300])
        body = response.json()
        assert set(body) >= {"error", "detail"}, name
        assert needle in body["detail"], (name, body["detail"])
    assert await counts(db) == (0, 0, 0)


async def test_invalid_field_answers_list_each_field(client, db):
    response = await client.post("/v1/articles", json={"title": "", "body": "", "links": ["ftp://x"]})
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["fields"]}
    assert fields == {"title", "body", "links.0"}


async def test_unknown_routes_and_methods_use_the_error_shape(client):
    missing = await client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = await client.delete("/v1/articles")
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"
    assert json.loads((await client.get("/v1/articles/999999")).text)["error"] == "not_found"


async def test_a_number_too_large_to_represent_never_gives_a_500(client, db):
    """A figure past a float's range used to become infinity, which PostgreSQL refuses as JSON."""
    for n, digits in enumerate([309, 400, 5000, 100_000]):
        body = f"Officials said {'9' * digits} people were counted in Riverton on Sunday, the agency said."
        response = await client.post("/v1/articles", json=article(body=body, external_id=f"huge-{n}"))
        assert response.status_code == 201, response.text
        for claim in response.json()["claims"]:
            assert all(q["value"] is not None for q in claim["quantities"])
        preview = await client.post("/v1/extract", json={"text": body})
        assert preview.status_code == 200, preview.text
        assert all(q["value"] is not None for c in preview.json()["claims"] for q in c["quantities"])
