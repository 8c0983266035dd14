"""Several articles in one transaction (a webhook batch, a backfill batch): each gets its own outcome, in the
order sent, whatever the others do; its claims and tasks are its own."""

from __future__ import annotations

from sqlalchemy import func, select

from shared.articles.ingest import _key, ingest_article, ingest_each, stored_already
from shared.articles.schemas import ArticleCreate
from shared.claims.extraction import extract_claims
from shared.errors import AppError
from shared.integrations import outbound
from shared.integrations.registry import create_integration
from shared.models import Article, Claim, WebhookEvent
from shared.verification.models import VerificationTask
from tests.support.articles import BODY, TROOPS_BODY, article

LIMIT = 20_000  # bytes of body


async def ingest(db, articles: list[dict], sender: str = "Desk", rows=None) -> list:
    async with db() as session, session.begin():
        return await ingest_each(
            session,
            [ArticleCreate(**a) for a in articles],
            max_body_bytes=LIMIT,
            claim_threshold=0.5,
            submitted_by=sender,
            rows=rows,
        )


async def stored(db) -> tuple[int, int, int]:
    async with db() as session:
        return (
            await session.scalar(select(func.count()).select_from(Article)),
            await session.scalar(select(func.count()).select_from(Claim)),
            await session.scalar(select(func.count()).select_from(VerificationTask)),
        )


async def test_each_article_gets_its_own_claims_and_tasks_in_the_order_sent(db):
    bodies = [TROOPS_BODY, BODY, "A short note with no figure in it at all.", BODY + " The mayor said 40 roads shut."]
    sent = [
        article(external_id="b-3", body=bodies[0], title="Troops"),
        article(body=bodies[1]),  # keyed by its content
        article(external_id="b-1", body=bodies[2], title="Note"),
        article(body=bodies[3], source="other-wire"),
    ]
    outcomes = await ingest(db, sent)
    assert [o.created for o in outcomes] == [True] * 4
    assert [o.article["title"] for o in outcomes] == [a["title"] for a in sent]
    for outcome, body in zip(outcomes, bodies, strict=True):
        assert [c["text"] for c in outcome.claims] == [c.text for c in extract_claims(body)]
        assert {c["article_id"] for c in outcome.claims} <= {outcome.article["id"]}
        assert all(body[c["char_start"] : c["char_end"]] == c["text"] for c in outcome.claims)
    claims = sum(len(o.claims) for o in outcomes)
    assert claims > 10 and await stored(db) == (4, claims, claims)


async def test_the_same_article_twice_in_a_batch_is_stored_once_and_the_second_is_found(db):
    sent = [article(external_id="twice"), article(), article(external_id="twice", title="Other"), article()]
    first_id, first_content, second_id, second_content = await ingest(db, sent)
    assert (first_id.created, first_content.created, second_id.created, second_content.created) == (
        True,
        True,
        False,
        False,
    )
    assert second_id.article["id"] == first_id.article["id"] and second_id.claims == first_id.claims
    assert second_content.article["id"] == first_content.article["id"]
    assert await stored(db) == (2, 2 * len(first_id.claims), 2 * len(first_id.claims))


async def test_an_article_refused_leaves_the_others_to_go_in(db):
    await ingest(db, [article(external_id="theirs")], sender="Other desk")
    before = await stored(db)
    mine, too_large, theirs, again = await ingest(
        db,
        [
            article(external_id="mine"),
            article(external_id="huge", body="x" * (LIMIT + 1)),
            article(external_id="theirs"),
            article(external_id="theirs", title="Sent twice"),
        ],
    )
    assert mine.created
    assert isinstance(too_large, AppError) and too_large.status == 413
    assert isinstance(theirs, AppError) and theirs.status == 409 and "another sender" in theirs.message
    assert isinstance(again, AppError) and again.status == 409
    assert await stored(db) == (before[0] + 1, before[1] + len(mine.claims), before[2] + len(mine.claims))


async def test_a_batch_sent_again_finds_every_article_as_stored(db):
    sent = [article(external_id=f"again-{n}", title=f"Report {n}") for n in range(5)] + [article()]
    first = await ingest(db, sent)
    second = await ingest(db, sent[::-1])
    assert [o.created for o in second] == [False] * 6
    assert [o.article["id"] for o in second] == [o.article["id"] for o in first][::-1]
    assert [o.claims for o in second] == [o.claims for o in first][::-1]


async def test_stored_already_tells_each_kind_of_key_apart(db):
    by_id = article(external_id="kept-1", title="By its id")
    by_content = article(title="By its content")  # no external id: its source and content are its key
    await ingest(db, [by_id, by_content])
    asked = [
        by_content,
        article(external_id="kept-1", title="Another text, the same id"),  # the key is the id, not the text
        article(external_id="kept-2", title="By its id"),
        {**by_id, "source": "another-wire"},
        {**by_content, "source": "another-wire"},
        {**by_content, "external_id": "kept-3"},  # the same content, but keyed by an id not stored
        {**by_content, "body": by_content["body"] + " More."},
        {**by_id, "external_id": None},  # the content of the one stored by its id, keyed by content: not stored
    ]
    async with db() as session:
        assert await stored_already(session, [ArticleCreate(**a) for a in asked]) == [True, True] + [False] * 6
        assert await stored_already(session, []) == []


async def test_an_article_given_without_its_claims_has_them_worked_out(db):
    """A backfill gives no claims for an article it found stored; stored meanwhile or not, each gets its own."""
    sent = [article(external_id="w-1"), article(external_id="w-2", body=TROOPS_BODY)]
    first, second = await ingest(db, sent, rows=[None, claim_rows(2, "Given.")])
    assert [c["text"] for c in first.claims] == [c.text for c in extract_claims(BODY)]
    assert [c["text"] for c in second.claims] == ["Given."] * 2


def claim_rows(count: int, text: str) -> list[dict]:
    return [{"text": text, "char_start": 0, "char_end": len(text), "score": 0.9, "reasons": ["given"],
             "attribution": None, "quantities": [], "fingerprint": f"{n:064x}"} for n in range(count)]  # fmt: skip


async def test_claims_worked_out_elsewhere_are_the_ones_stored_each_with_its_article(db):
    # Sent in the opposite order of their keys, and more claims than one statement takes (500).
    sent = [article(external_id="r-3"), article(external_id="r-2"), article(external_id="r-1", language="fr")]
    rows = [claim_rows(300, "Third."), claim_rows(301, "Second."), claim_rows(5, "Not read: French.")]
    third, second, french = await ingest(db, sent, rows=rows)
    assert [c["text"] for c in third.claims] == ["Third."] * 300
    assert [c["text"] for c in second.claims] == ["Second."] * 301
    assert {c["article_id"] for c in third.claims} == {third.article["id"]}
    assert {c["article_id"] for c in second.claims} == {second.article["id"]}
    assert french.claims == [] and "not supported" in french.article["extraction_note"]
    assert await stored(db) == (3, 601, 601)


async def test_the_sender_hears_of_each_article_made_once(db, settings):
    async with db() as session, session.begin():
        made = await create_integration(session, settings, "Desk", ["article.processed"])
        allowed = settings.model_copy(update={"fetch_allow_hosts": ["127.0.0.1"]})
        await outbound.subscribe(
            session, allowed, made.integration.id, "http://127.0.0.1:9/hook", ["article.processed"]
        )
    await ingest(db, [article(external_id="e-1")])
    outcomes = await ingest(db, [article(external_id="e-2"), article(external_id="e-1"), article(external_id="e-2")])
    async with db() as session:
        events = [e.payload["data"] for e in await session.scalars(select(WebhookEvent).order_by(WebhookEvent.id))]
    assert [(e["external_id"], e["claims"]) for e in events] == [
        ("e-1", len(outcomes[1].claims)),
        ("e-2", len(outcomes[0].claims)),
    ]


async def test_one_article_refused_raises_why(db):
    async with db() as session, session.begin():
        try:
            await ingest_article(
                session, ArticleCreate(**article(body="y" * (LIMIT + 1))), max_body_bytes=LIMIT, claim_threshold=0.5
            )
        except AppError as e:
            assert e.status == 413
        else:
            raise AssertionError("an article over the limit was accepted")
    assert await stored(db) == (0, 0, 0)


async def test_articles_are_written_in_the_order_of_their_keys_whatever_the_order_sent(db):
    # The order two batches take their keys in is what keeps them from deadlocking: the same order for every
    # batch, so one waits for the other to commit instead of both waiting for each other. Ids are given in
    # the order the rows are inserted, so they show it.
    sent = [article(external_id=f"id-{n}", source=f"wire-{n % 3}", title=f"Report {n}") for n in range(6)]
    sent += [article(title=f"Unkeyed {n}", source=f"wire-{n % 3}") for n in range(6)]
    outcomes = await ingest(db, sent[::-1])
    by_key = sorted(
        outcomes, key=lambda o: _key(o.article["source"], o.article["external_id"], o.article["content_hash"])
    )
    assert [o.article["id"] for o in by_key] == sorted(o.article["id"] for o in outcomes)
