"""The same claim across articles at scale: matching a new article's claims, and the related-claims lookup,
with a million claims stored.

The archive is written once into its own database (kept between runs, and written again only when it holds
fewer claims than asked): 100,000 articles of 10 claims each, worded from a vocabulary of invented words
and names drawn with Zipf's law (a few words very common, most rare, as in news), 60 % of them with
figures, each claim with its real signature and keys (``shared/related/matching.py``), and one claim in
twenty linked to an earlier one. Then:

- matching: articles of 10 new claims, half of them rewordings of stored claims, are stored and their
  claims linked together (``link_claims``), one transaction per article: the time per article;
- related: ``GET /v1/claims/{id}/related`` through the API, one request at a time, for stored claims that
  have links: the time per lookup;

each as median and p95, with the query plans of the candidate and related lookups.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import random
import statistics
import sys
import time
from collections.abc import Iterator
from typing import NamedTuple

import asyncpg
import httpx
from sqlalchemy import BigInteger, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY

from shared.db import create_engine, session_factory, unit_of_work
from shared.related.links import _CANDIDATES, candidate_lookup, link_claims
from shared.related.matching import match_keys, signature

ARTICLES_PER_BATCH = 1_000
CLAIMS_PER_ARTICLE = 10
LINKED_SHARE = 20  # one claim in twenty is linked to an earlier one
CLAIM_COLUMNS = ["id", "article_id", "text", "char_start", "char_end", "score", "reasons", "quantities", "fingerprint"]
_NEW_CLAIM = text(
    "INSERT INTO claim (article_id, text, char_start, char_end, score, reasons, quantities, fingerprint) "
    "VALUES (:a, :t, 0, 1, 0.9, '[]', '[]', :f) RETURNING id"
)


class NewClaim(NamedTuple):
    id: int
    text: str
    attribution: str | None
    article_id: int


def _word(i: int, first: str) -> str:
    letters = []
    while True:
        i, r = divmod(i, 26)
        letters.append("abcdefghijklmnopqrstuvwxyz"[r])
        if i == 0:
            break
    return first + "".join(letters) + "o"


class Wording:
    """Invented claims in a news sentence's shape; the same seed words the same claims."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.words = [_word(i, "v") for i in range(30_000)]
        self.names = [_word(i, "Z").capitalize() for i in range(5_000)]
        self.word_weights = _zipf(len(self.words))
        self.name_weights = _zipf(len(self.names))

    def claim(self) -> str:
        r = self.random
        names = r.choices(self.names, cum_weights=self.name_weights, k=r.randint(1, 3))
        words = r.choices(self.words, cum_weights=self.word_weights, k=r.randint(5, 9))
        figure = ""
        if r.random() < 0.6:
            value = r.choice([10, 20, 50, 100, 200, 500, 1_000, 10_000, 100_000]) * r.randint(1, 12)
            figure = f" {value:,} {r.choice(self.words[:2000])}s"
        return f"The {' '.join(names)} {words[0]}ed{figure} in {' '.join(words[1:])}."

    def reworded(self, claim: str) -> str:
        """The same claim said otherwise: one word left out, the rest in another order, an attribution added."""
        head, _, rest = claim.rstrip(".").partition(" in ")
        words = rest.split()
        if len(words) > 2:
            words.pop(self.random.randrange(len(words)))
        self.random.shuffle(words)
        return f"{head} in {' '.join(words)}, officials said."


def _zipf(n: int) -> list[float]:
    total, cumulative = 0.0, []
    for rank in range(1, n + 1):
        total += 1 / rank
        cumulative.append(total)
    return cumulative


def _signed(text_: str) -> tuple[str, str, list[int]]:
    sig = signature(text_)
    return text_, json.dumps(sig.to_json()), match_keys(sig)


async def seed(database_url: str, claims: int, progress) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        if await conn.fetchval("SELECT count(*) FROM claim") >= claims:
            return  # written by an earlier run (a database with fewer is made anew by the caller)
        wording = Wording(seed=1)
        articles = claims // CLAIMS_PER_ARTICLE
        started = time.perf_counter()
        with multiprocessing.Pool(2) as pool:
            claim_id = 0
            for first in range(0, articles, ARTICLES_PER_BATCH):
                batch = range(first + 1, min(articles, first + ARTICLES_PER_BATCH) + 1)
                texts = [wording.claim() for _ in range(len(batch) * CLAIMS_PER_ARTICLE)]
                signed = pool.map(_signed, texts, chunksize=500)
                await conn.copy_records_to_table(
                    "article",
                    records=[(a, "seed", f"s-{a}", "0" * 64, "Seeded", "seeded body", "en") for a in batch],
                    columns=["id", "source", "external_id", "content_hash", "title", "body", "language"],
                )
                rows, signatures, keys, links = [], [], [], []
                for k, (claim_text, sig, claim_keys) in enumerate(signed):
                    claim_id += 1
                    rows.append(
                        (
                            claim_id,
                            batch[k // CLAIMS_PER_ARTICLE],
                            claim_text,
                            0,
                            len(claim_text),
                            0.9,
                            "[]",
                            "[]",
                            "0" * 64,
                        )
                    )
                    signatures.append((claim_id, sig))
                    keys += [(key, claim_id) for key in claim_keys]
                    if claim_id > 100 and claim_id % LINKED_SHARE == 0:
                        links.append((claim_id, claim_id - 1 - claim_id % 97, 0.8, "{}"))
                await conn.copy_records_to_table(
                    "claim", records=rows,
                    columns=CLAIM_COLUMNS,
                )  # fmt: skip
                await conn.copy_records_to_table(
                    "claim_signature", records=signatures, columns=["claim_id", "signature"]
                )
                await conn.copy_records_to_table("claim_match_key", records=keys, columns=["key", "claim_id"])
                await conn.copy_records_to_table(
                    "claim_link", records=links, columns=["claim_id", "earlier_claim_id", "similarity", "matched"]
                )
                progress("seeding  ", claim_id, claims, f"{claim_id / (time.perf_counter() - started):,.0f} claims/s")
        for table in ("article", "claim"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await conn.execute("VACUUM ANALYZE")
        print(file=sys.stderr)
    finally:
        await conn.close()


def _stored_texts(wording_seed: int, count: int) -> Iterator[str]:
    wording = Wording(seed=wording_seed)
    for _ in range(count):
        yield wording.claim()


async def bench_related(
    database_url: str, claims: int, articles: int, lookups: int, progress, base_url: str, key: str
) -> dict:
    await seed(database_url, claims, progress)
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
        "match_ms": _summary(per_article),
        "reworded_linked": linked / (articles * CLAIMS_PER_ARTICLE / 2),
        "related_ms": _summary(per_lookup),
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


def _summary(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    return {
        "median": statistics.median(ordered) * 1000,
        "p95": ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000,
        "n": len(ordered),
    }


def stored_claims(database_url: str) -> int:
    async def count() -> int:
        conn = await asyncpg.connect(database_url)
        try:
            return await conn.fetchval("SELECT count(*) FROM claim")
        finally:
            await conn.close()

    return asyncio.run(count())


def main(database_url: str, claims: int, articles: int, lookups: int, progress, base_url: str, key: str) -> dict:
    return asyncio.run(bench_related(database_url, claims, articles, lookups, progress, base_url, key))
