"""The same claim across articles at scale: matching a new article's claims, and the related-claims lookup,
with a million claims stored.

On the desk `make seed-large` writes (``tests/bench/seed.py``: a million claims with their signatures and
keys, one in twenty linked to an earlier one):

- matching: articles of 10 new claims, half of them rewordings of stored claims, are stored and their
  claims linked together (``link_claims``), one transaction per article: the time per article;
- related: ``GET /v1/claims/{id}/related`` through the API, one request at a time, for stored claims that
  have links: the time per lookup;

each as median and p95, with the query plans of the candidate and related lookups.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Iterator
from typing import NamedTuple

import httpx
from sqlalchemy import BigInteger, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY

from shared.db import create_engine, session_factory, unit_of_work
from shared.related.links import _CANDIDATES, candidate_lookup, link_claims
from shared.related.matching import signature
from tests.bench.latency import summary
from tests.bench.seed import CLAIMS_PER_ARTICLE, Wording

_NEW_CLAIM = text(
    "INSERT INTO claim (article_id, text, char_start, char_end, score, reasons, quantities, fingerprint) "
    "VALUES (:a, :t, 0, 1, 0.9, '[]', '[]', :f) RETURNING id"
)


class NewClaim(NamedTuple):
    id: int
    text: str
    attribution: str | None
    article_id: int


def _stored_texts(wording_seed: int, count: int) -> Iterator[str]:
    wording = Wording(seed=wording_seed)
    for _ in range(count):
        yield wording.claim()


async def bench_related(
    database_url: str, claims: int, articles: int, lookups: int, progress, base_url: str, key: str
) -> dict:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    rewording = Wording(seed=2)
    stored = list(_stored_texts(1, 50_000))  # the first stored claims, to reword
    per_article, linked = [], 0
    try:
        for n in range(articles):
            texts = [
                rewording.reworded(rewording.random.choice(stored)) if k % 2 == 0 else rewording.claim()
                for k in range(CLAIMS_PER_ARTICLE)
            ]
            async with unit_of_work(sessions) as session:
                article_id = await session.scalar(
                    text(
                        "INSERT INTO article (source, external_id, content_hash, title, body, language) "
                        "VALUES ('bench', :e, :h, 't', 'b', 'en') RETURNING id"
                    ),
                    {"e": f"bench-{time.time_ns()}-{n}", "h": "1" * 64},
                )
                new = []
                for claim_text in texts:
                    claim_id = await session.scalar(_NEW_CLAIM, {"a": article_id, "t": claim_text, "f": "2" * 64})
                    new.append(NewClaim(claim_id, claim_text, None, article_id))
            started = time.perf_counter()
            async with unit_of_work(sessions) as session:
                found = await link_claims(session, new, min_similarity=0.56)
            linked += sum(1 for k, claim in enumerate(new) if k % 2 == 0 and found[claim.id])
            per_article.append(time.perf_counter() - started)
            progress("matching ", n + 1, articles)
        print(file=sys.stderr)

        per_lookup = []
        async with sessions() as session:
            targets = list(
                await session.scalars(text(f"SELECT claim_id FROM claim_link ORDER BY random() LIMIT {lookups}"))
            )
        # One request at a time, through the API as a fact-checker's page calls it: the latency of one lookup.
        async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {key}"}) as client:
            for n, claim_id in enumerate(targets):
                started = time.perf_counter()
                answer = await client.get(f"/v1/claims/{claim_id}/related")
                per_lookup.append(time.perf_counter() - started)
                assert answer.status_code == 200 and answer.json()["items"], (claim_id, answer.text[:200])
                progress("related  ", n + 1, len(targets))
        print(file=sys.stderr)
        async with sessions() as session:
            plans = await _plans(session, new, targets[0])
    finally:
        await engine.dispose()
    return {
        "claims": claims,
        "match_ms": summary(per_article),
        "reworded_linked": linked / (articles * CLAIMS_PER_ARTICLE / 2),
        "related_ms": summary(per_lookup),
        "plans": plans,
    }


async def _plans(session, claims: list[NewClaim], linked_claim_id: int) -> dict[str, str]:
    # The statement link_claims runs, for the last article's claims.
    lookup = candidate_lookup(claims, {claim.id: signature(claim.text) for claim in claims})
    candidates = text("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + _CANDIDATES.text).bindparams(
        *(bindparam(name, type_=ARRAY(BigInteger)) for name in ("claim_ids", "article_ids", "owners", "keys"))
    )
    explained = await session.execute(candidates, lookup)
    related_plan = await session.execute(
        text(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
            "SELECT * FROM (SELECT earlier_claim_id AS other_id FROM claim_link WHERE claim_id = :c "
            "UNION ALL SELECT claim_id FROM claim_link WHERE earlier_claim_id = :c) l "
            "JOIN claim ON claim.id = l.other_id JOIN article ON article.id = claim.article_id"
        ),
        {"c": linked_claim_id},
    )
    return {"candidates": "\n".join(r[0] for r in explained), "related": "\n".join(r[0] for r in related_plan)}


def main(database_url: str, claims: int, articles: int, lookups: int, progress, base_url: str, key: str) -> dict:
    return asyncio.run(bench_related(database_url, claims, articles, lookups, progress, base_url, key))
