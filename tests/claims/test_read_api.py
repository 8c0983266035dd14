"""Reading claims: filters, keyset pagination in a stable order, one claim with evidence and task."""

from __future__ import annotations

from sqlalchemy import update

from shared.models import Claim, VerificationTask
from tests.support.articles import article


async def post(client, external_id: str) -> dict:
    response = await client.post("/v1/articles", json=article(external_id=external_id))
    assert response.status_code == 201
    return response.json()


async def test_pages_cover_every_claim_once_in_id_order(client, db):
    first, second = await post(client, "p-1"), await post(client, "p-2")
    expected = [c["id"] for c in first["claims"] + second["claims"]]
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/v1/claims", params=params)).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(expected)


async def test_filters_by_article_state_and_score(client, db):
    first, second = await post(client, "f-1"), await post(client, "f-2")
    by_article = (await client.get("/v1/claims", params={"article_id": second["id"]})).json()["items"]
    assert {c["article_id"] for c in by_article} == {second["id"]}
    top = max(c["score"] for c in first["claims"])
    high = (await client.get("/v1/claims", params={"min_score": top})).json()["items"]
    assert high and all(c["score"] >= top for c in high)
    target = first["claims"][0]["id"]
    async with db() as session, session.begin():
        await session.execute(update(Claim).where(Claim.id == target).values(state="disputed"))
    disputed = (await client.get("/v1/claims", params={"state": "disputed"})).json()["items"]
    assert [c["id"] for c in disputed] == [target]


async def test_bad_query_parameters_are_422(client, db):
    for params in ({"state": "maybe"}, {"min_score": 2}, {"limit": 0}, {"cursor": "abc"}, {"article_id": "x"}):
        response = await client.get("/v1/claims", params=params)
        assert response.status_code == 422, params
        assert response.json()["error"] == "invalid"


async def test_one_claim_with_its_task(client, db):
    claim = (await post(client, "c-1"))["claims"][0]
    response = await client.get(f"/v1/claims/{claim['id']}")
    assert response.status_code == 200
    data = response.json()
    assert data["text"] == claim["text"]
    assert data["evidence"] == []
    assert data["task"]["status"] in ("pending", "queued") and data["task"]["attempts"] == 0
    assert (await client.get("/v1/claims/987654")).status_code == 404


async def test_extract_previews_claims_and_stores_nothing(client, db):
    body = article()["body"]
    response = await client.post("/v1/extract", json={"text": body})
    assert response.status_code == 200
    claims = response.json()["claims"]
    assert claims and all(body[c["char_start"] : c["char_end"]] == c["text"] for c in claims)
    stricter = (await client.post("/v1/extract", json={"text": body, "threshold": 0.95})).json()["claims"]
    assert len(stricter) < len(claims)
    assert (await client.get("/v1/claims")).json()["items"] == []
    assert (await client.post("/v1/extract", json={"text": ""})).status_code == 422


async def test_verify_again_puts_a_finished_task_back_in_the_queue(client, db):
    claim_id = (await post(client, "v-1"))["claims"][0]["id"]
    waiting = await client.post(f"/v1/claims/{claim_id}/verify")
    assert waiting.status_code == 202 and waiting.json()["status"] == "pending"  # not finished: left as it is
    async with db() as session, session.begin():
        await session.execute(
            update(VerificationTask)
            .where(VerificationTask.claim_id == claim_id)
            .values(status="failed", attempts=4, last_error="gave up after 4 attempts")
        )
    again = await client.post(f"/v1/claims/{claim_id}/verify")
    assert again.status_code == 202
    assert (again.json()["status"], again.json()["attempts"], again.json()["last_error"]) == ("pending", 0, None)
    assert (await client.post("/v1/claims/424242/verify")).status_code == 404
