"""The same claim across articles: linked both ways when its task starts, an earlier verdict offered, never applied."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, text

from shared.models import Claim, ClaimLink, Evidence, VerificationTask
from shared.verification import runner
from tests.review import add_evidence, api_fixture, move, people_fixture  # noqa: F401
from tests.support.waiting import eventually

SEOUL = (
    "More than 10,000 North Korean soldiers have been sent to Russia, South Korea's spy agency said on Monday.\n"
    "The deployment could change the course of the war, some analysts believe.\n"
)
REWORDED = (
    "Over ten thousand troops from North Korea have been deployed to Russia, according to South Korean "
    "intelligence.\n"
    "Officials in Kyiv said 50 drones were shot down overnight.\n"
)
PASSAGE = "South Korea's spy agency said more than 10,000 North Korean soldiers are in Russia."
OTHER_FIGURE = "More than 100,000 North Korean soldiers have been sent to Russia, South Korea's spy agency said.\n"


async def post(api, people, external_id: str, body: str, source: str = "wire") -> list[dict]:
    data = {"title": "North Korean troops", "body": body, "source": source, "external_id": external_id}
    response = await api.post("/v1/articles", json=data, headers=people["ada"])
    assert response.status_code == 201, response.text
    return response.json()["claims"]


async def start(db, claim_id: int, min_similarity: float = 0.56) -> runner.Started | None:
    """Start the claim's verification task as the worker does (linking comes first), and leave it running."""
    async with db() as session, session.begin():
        task_id = await session.scalar(select(VerificationTask.id).where(VerificationTask.claim_id == claim_id))
        return await runner.start_task(
            session, task_id, lease=timedelta(minutes=5), max_attempts=4, min_similarity=min_similarity
        )


def troops(claims: list[dict]) -> dict:
    return next(c for c in claims if "North Korea" in c["text"])


async def related(api, people, claim_id: int, who: str = "rita") -> list[dict]:
    response = await api.get(f"/v1/claims/{claim_id}/related", headers=people[who])
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_reworded_claims_are_linked_both_ways_and_other_figures_are_not(api, people, db):
    first = troops(await post(api, people, "a-1", SEOUL))
    second = troops(await post(api, people, "b-1", REWORDED, source="other-wire"))
    third = troops(await post(api, people, "c-1", OTHER_FIGURE, source="third-wire"))
    for claim in (first, second, third):
        await start(db, claim["id"])

    later = await related(api, people, first["id"])
    assert [r["claim_id"] for r in later] == [second["id"]]
    assert later[0]["earlier"] is False and later[0]["article"]["source"] == "other-wire"
    assert 0.56 <= later[0]["similarity"] <= 1 and later[0]["verdict"] is None
    assert later[0]["matched"]["figures"]  # the figure they share is shown
    earlier = await related(api, people, second["id"])
    assert [(r["claim_id"], r["earlier"]) for r in earlier] == [(first["id"], True)]
    assert await related(api, people, third["id"]) == []  # 100,000 is another claim

    # A task that runs again links nothing twice.
    async with db() as session, session.begin():
        await session.execute(VerificationTask.__table__.update().values(status="pending"))
    await start(db, second["id"])
    async with db() as session:
        assert len((await session.scalars(select(ClaimLink))).all()) == 1


async def test_an_earlier_verdict_is_offered_but_the_state_stays_until_a_person_moves_it(api, people, db):
    first = troops(await post(api, people, "a-2", SEOUL))
    await start(db, first["id"])
    evidence = await add_evidence(db, first["id"])
    moved = await move(
        api, people["rita"], first["id"], "corroborated", rationale="three outlets confirm", evidence_ids=evidence
    )
    assert moved.status_code == 200, moved.text

    second = troops(await post(api, people, "b-2", REWORDED, source="other-wire"))
    started = await start(db, second["id"])
    assert started is not None and started.decided_claim_id == first["id"]
    assert [e.id for e in started.reusable] == evidence  # handed over to be read again, not fetched

    claim = (await api.get(f"/v1/claims/{second['id']}", headers=people["rita"])).json()
    assert claim["state"] == "unverified"
    assert claim["suggested_state"] == "corroborated" and claim["suggested_from_claim_id"] == first["id"]
    assert claim["suggested_explanation"].startswith("corroborated on ")
    assert "by rita: three outlets confirm" in claim["suggested_explanation"]
    assert (await related(api, people, second["id"]))[0]["verdict"]["rationale"] == "three outlets confirm"

    queue = await api.get("/v1/queue", params={"decided_elsewhere": "true"}, headers=people["rob"])
    assert [c["id"] for c in queue.json()["items"]] == [second["id"]]
    others = await api.get("/v1/queue", params={"decided_elsewhere": "false"}, headers=people["rob"])
    assert second["id"] not in [c["id"] for c in others.json()["items"]]

    # The earlier verdict changes: the offer follows; reopened, it is withdrawn.
    await move(api, people["rita"], first["id"], "disputed", rationale="the agency corrected itself")
    claim = (await api.get(f"/v1/claims/{second['id']}", headers=people["rita"])).json()
    assert claim["suggested_state"] == "disputed" and claim["state"] == "unverified"
    assert (await move(api, people["ed"], first["id"], "unverified", rationale="reopened")).status_code == 200
    claim = (await api.get(f"/v1/claims/{second['id']}", headers=people["rita"])).json()
    assert claim["suggested_from_claim_id"] is None and claim["suggested_state"] is None


async def test_the_newest_verdict_of_the_linked_claims_is_offered_not_the_most_similar(api, people, db):
    first = troops(await post(api, people, "a-5", SEOUL))
    second = troops(await post(api, people, "b-5", REWORDED, source="other-wire"))
    third = troops(await post(api, people, "c-5", REWORDED, source="third-wire"))
    for claim in (first, second, third):
        await start(db, claim["id"])
    similar = await related(api, people, third["id"])
    assert [r["claim_id"] for r in similar] == [second["id"], first["id"]]  # the same wording first

    evidence = await add_evidence(db, second["id"])
    moved = await move(api, people["rita"], second["id"], "corroborated", rationale="confirmed", evidence_ids=evidence)
    assert moved.status_code == 200, moved.text
    assert (await move(api, people["rita"], first["id"], "disputed", rationale="corrected")).status_code == 200

    async def offer(claim: dict) -> tuple[str | None, int | None]:
        claim = (await api.get(f"/v1/claims/{claim['id']}", headers=people["rita"])).json()
        return claim["suggested_state"], claim["suggested_from_claim_id"]

    # A transition works out again the suggestion of every claim linked to the one moved, each its own.
    assert await offer(third) == ("disputed", first["id"])  # the later verdict, on the less similar claim
    assert await offer(second) == ("disputed", first["id"])
    # Reopened, that claim has no verdict now: the earlier one is offered again, where there is one.
    assert (await move(api, people["ed"], first["id"], "unverified", rationale="reopened")).status_code == 200
    assert await offer(third) == ("corroborated", second["id"])
    assert (await offer(second))[1] is None  # its linked claims have no verdict: its evidence speaks


async def test_a_move_undone_by_a_linked_claims_move_at_the_same_moment_is_run_again(api, people, db):
    first = troops(await post(api, people, "a-6", SEOUL))
    second = troops(await post(api, people, "b-6", REWORDED, source="other-wire"))
    for claim in (first, second):
        await start(db, claim["id"])

    async def waiting_for_a_row() -> bool:
        async with db() as session:
            query = (
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return bool(await session.scalar(text(query)))

    # Another transition of the linked claim, as its own transaction does it: it holds the second claim, then
    # updates the first one's suggestion. Moving the first meanwhile makes each wait for the other.
    async with db() as other, other.begin():
        await other.execute(text("SELECT 1 FROM claim WHERE id = :c FOR UPDATE"), {"c": second["id"]})
        moving = asyncio.ensure_future(move(api, people["rita"], first["id"], "disputed", rationale="no figure"))
        await eventually(waiting_for_a_row, what="the transition to wait for the second claim")
        # The transition has waited longest: PostgreSQL undoes it when it finds the deadlock, and this goes on.
        # Run again, the move waits for this transaction to end.
        await other.execute(text("UPDATE claim SET suggested_state = NULL WHERE id = :c"), {"c": first["id"]})
        await other.commit()
    answer = await moving
    assert answer.status_code == 200, answer.text  # not 503 busy, nor 500
    assert answer.json()["state"] == "disputed"
    history = (await api.get(f"/v1/claims/{first['id']}/history", headers=people["rita"])).json()
    assert [e["to_state"] for e in history["items"] if e["kind"] == "transition"] == ["disputed"]  # once


async def test_related_claims_of_other_senders_are_hidden_from_an_integration(api, people, db):
    first = troops(await post(api, people, "a-3", SEOUL))
    second = troops(await post(api, people, "b-3", REWORDED, source="other-wire"))
    await start(db, first["id"])
    await start(db, second["id"])
    assert await related(api, people, second["id"], who="rita")
    async with db() as session, session.begin():
        (await session.get(Claim, first["id"])).article_id  # noqa: B018 (exists)
    response = await api.get(f"/v1/claims/{second['id']}/related", headers=people["wire"])
    assert response.status_code == 404  # not its article

    missing = await api.get("/v1/claims/999999/related", headers=people["rita"])
    assert missing.status_code == 404


async def test_evidence_of_the_decided_claim_is_read_again_for_the_new_wording(db):
    from shared.evidence.providers.base import ClaimContext
    from shared.evidence.reuse import reassess

    stored = Evidence(
        id=7, claim_id=1, provider="cited_links", url="https://example.org/report", title="Report",
        publisher="Example", passage=PASSAGE, passage_start=120, passage_end=120 + len(PASSAGE), relevance=0.9,
        stance="supports", signals=[], content_hash="a" * 64,
    )  # fmt: skip
    claim = ClaimContext(2, REWORDED.splitlines()[0], "South Korean intelligence", [], "en", None, [], REWORDED)
    outcome = reassess(claim, [stored], from_claim_id=1)
    [finding] = outcome.findings
    assert finding.url == stored.url and finding.content_hash == stored.content_hash
    assert finding.passage_start >= 120 and finding.passage_end <= 120 + len(PASSAGE)
    assert any(s["kind"] == "reused" and s["claim_id"] == 1 and s["evidence_id"] == 7 for s in finding.signals)
    unrelated = ClaimContext(3, "The river burst its banks in Harlow Vale on Tuesday.", None, [], "en", None, [], "")
    assert reassess(unrelated, [stored], from_claim_id=1).findings == []
