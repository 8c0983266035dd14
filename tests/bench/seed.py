"""`make seed-large`: a year of a busy desk in a database, for the benchmarks at scale.

100,000 articles from eight outlets, received evenly over the year up to now, of 10 claims each
(1,000,000), worded from a vocabulary of invented words and names drawn with Zipf's law (a few words very
common, most rare, as in news), 60 % with figures, each with its real signature and candidate keys
(``shared/related/matching.py``); one claim in twenty linked to an earlier one. A third of the claims
were decided by one of twelve reviewers, who took the claim some hours after it came in and gave the
verdict an hour or two later (two in three corroborated); 3 % of the verdicts were reopened by an editor a
day later and decided again; 5 % of the open claims are held by a reviewer. Seven claims in ten carry a
suggested verdict, which the reviewer followed four times in five. The same seed writes the same desk.

Written with COPY, 1,000 articles a batch; the claims' signatures are computed on both cores. About four
minutes for the million here, most of it reading the claims' signatures.

    make seed-large   (python -m tests.bench.seed [--claims 1000000])
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy import make_url, text
from tqdm import tqdm

from shared import embedded
from shared.db import create_engine
from shared.related.matching import match_keys, signature
from shared.reports import tallies
from shared.schema import upgrade
from tests.conftest import _fresh_database
from tests.support.services import ROOT

ARTICLES_PER_BATCH = 1_000
CLAIMS_PER_ARTICLE = 10
LINKED_SHARE = 20  # one claim in twenty is linked to an earlier one
SOURCES = ("Wire", "Daily Courier", "Evening Post", "Valley News", "Metro", "Gazette", "Herald", "Observer")
REVIEWERS = tuple(f"Desk: reviewer {n}" for n in range(1, 13))
EDITOR = "Desk: editor"
DECIDED_SHARE, REOPENED_SHARE, HELD_SHARE, SUGGESTED_SHARE, FOLLOWED_SHARE = 0.33, 0.03, 0.05, 0.7, 0.8
CLAIM_COLUMNS = [
    "id", "article_id", "text", "char_start", "char_end", "score", "reasons", "quantities", "fingerprint",
    "state", "version", "assignee", "suggested_state", "created_at", "updated_at",
]  # fmt: skip
EVENT_COLUMNS = ["claim_id", "kind", "actor", "from_state", "to_state", "assignee", "rationale", "evidence_ids",
                 "created_at"]  # fmt: skip


def _word(i: int, first: str) -> str:
    letters = []
    while True:
        i, r = divmod(i, 26)
        letters.append("abcdefghijklmnopqrstuvwxyz"[r])
        if i == 0:
            break
    return first + "".join(letters) + "o"


def _zipf(n: int) -> list[float]:
    total, cumulative = 0.0, []
    for rank in range(1, n + 1):
        total += 1 / rank
        cumulative.append(total)
    return cumulative


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


def _signed(text_: str) -> tuple[str, list[int]]:
    sig = signature(text_)
    return json.dumps(sig.to_json()), match_keys(sig)


class Desk:
    """What happened to each claim: its state, holder, suggestion and audit trail, drawn from one seed."""

    def __init__(self, seed: int, now: datetime) -> None:
        self.random = random.Random(seed)
        self.now = now

    def review(self, claim_id: int, created: datetime) -> tuple[tuple, list[tuple]]:
        """(state, version, assignee, suggested) and the claim's events."""
        r = self.random
        verdict = "corroborated" if r.random() < 2 / 3 else "disputed"
        suggested = None
        if r.random() < SUGGESTED_SHARE:
            other = "disputed" if verdict == "corroborated" else "corroborated"
            suggested = verdict if r.random() < FOLLOWED_SHARE else other
        events, state, version, assignee = [], "unverified", 1, None
        if r.random() < DECIDED_SHARE:
            reviewer = r.choices(REVIEWERS, weights=range(len(REVIEWERS), 0, -1))[0]
            taken = created + timedelta(hours=r.expovariate(1 / 6))
            decided = taken + timedelta(hours=r.expovariate(1 / 1.5))
            if taken < self.now:
                events.append((claim_id, "assignment", reviewer, None, None, reviewer, None, "[]", taken))
                assignee = reviewer
            if decided < self.now:
                events.append((claim_id, "transition", reviewer, "unverified", verdict, None, "Two sources agree.",
                               "[]", decided))  # fmt: skip
                state, version, assignee = verdict, 2, None
                reopened, again = decided + timedelta(days=1), decided + timedelta(days=1, hours=3)
                if r.random() < REOPENED_SHARE and again < self.now:
                    events.append((claim_id, "transition", EDITOR, verdict, "unverified", None,
                                   "A correction was published.", "[]", reopened))  # fmt: skip
                    verdict = r.choice(["corroborated", "disputed"])
                    events.append((claim_id, "transition", reviewer, "unverified", verdict, None,
                                   "Checked again after the correction.", "[]", again))  # fmt: skip
                    state, version = verdict, 4
        elif r.random() < HELD_SHARE:
            reviewer = r.choice(REVIEWERS)
            taken = created + timedelta(hours=r.expovariate(1 / 6))
            if taken < self.now:
                events.append((claim_id, "assignment", reviewer, None, None, reviewer, None, "[]", taken))
                assignee = reviewer
        return (state, version, assignee, suggested), events


async def seed(database_url: str, claims: int, progress: Callable[[int], None] = lambda _n: None) -> None:
    """Write the desk into an empty database (one that holds as many claims already is left as it is)."""
    conn = await asyncpg.connect(database_url)
    try:
        if await conn.fetchval("SELECT count(*) FROM claim") >= claims:
            return
        wording, desk = Wording(seed=1), Desk(seed=1, now=datetime.now(UTC).replace(microsecond=0))
        year_start = desk.now - timedelta(days=365)
        articles = claims // CLAIMS_PER_ARTICLE
        spacing = timedelta(days=365) / articles
        with multiprocessing.Pool(2) as pool:
            claim_id = 0
            for first in range(0, articles, ARTICLES_PER_BATCH):
                batch = range(first + 1, min(articles, first + ARTICLES_PER_BATCH) + 1)
                texts = [wording.claim() for _ in range(len(batch) * CLAIMS_PER_ARTICLE)]
                signed = pool.map(_signed, texts, chunksize=500)
                received = {a: year_start + spacing * a for a in batch}
                await conn.copy_records_to_table(
                    "article",
                    records=[
                        (
                            a,
                            SOURCES[a % len(SOURCES)],
                            f"s-{a}",
                            "0" * 64,
                            f"Report {a}",
                            "seeded body",
                            "en",
                            received[a],
                            f"https://news.example/{a}",
                        )
                        for a in batch
                    ],  # fmt: skip
                    columns=[
                        "id",
                        "source",
                        "external_id",
                        "content_hash",
                        "title",
                        "body",
                        "language",
                        "received_at",
                        "url",
                    ],  # fmt: skip
                )
                rows, signatures, keys, links, events = [], [], [], [], []
                for k, (claim_text, (sig, claim_keys)) in enumerate(zip(texts, signed, strict=True)):
                    claim_id += 1
                    article_id = batch[k // CLAIMS_PER_ARTICLE]
                    created = received[article_id] + timedelta(seconds=k % CLAIMS_PER_ARTICLE)
                    (state, version, assignee, suggested), claim_events = desk.review(claim_id, created)
                    score = round(0.5 + 0.5 * desk.random.random(), 3)
                    rows.append((claim_id, article_id, claim_text, 0, len(claim_text), score, "[]", "[]", "0" * 64,
                                 state, version, assignee, suggested, created, created))  # fmt: skip
                    signatures.append((claim_id, sig))
                    keys += [(key, claim_id) for key in claim_keys]
                    events += claim_events
                    if claim_id > 100 and claim_id % LINKED_SHARE == 0:
                        links.append((claim_id, claim_id - 1 - claim_id % 97, 0.8, "{}"))
                await conn.copy_records_to_table("claim", records=rows, columns=CLAIM_COLUMNS)
                await conn.copy_records_to_table("claim_event", records=events, columns=EVENT_COLUMNS)
                await conn.copy_records_to_table(
                    "claim_signature", records=signatures, columns=["claim_id", "signature"]
                )
                await conn.copy_records_to_table("claim_match_key", records=keys, columns=["key", "claim_id"])
                await conn.copy_records_to_table(
                    "claim_link", records=links, columns=["claim_id", "earlier_claim_id", "similarity", "matched"]
                )
                if first == 0:
                    # Statistics now, not when autovacuum comes round (it may be off): planned on an empty
                    # table, the insert trigger's look-ups read a whole partial index per row (hours, not minutes).
                    await conn.execute("ANALYZE")
                progress(len(rows))
        for table in ("article", "claim"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await _settle(conn)
    finally:
        await conn.close()


LARGE_DATABASE = "factcheck_bench_large"


def large_database(server_url: str, claims: int) -> str:
    """The desk at scale on this server: written once (minutes), kept between runs, written anew only when it
    holds fewer claims than asked. Its URL."""
    url = make_url(server_url).set(database=LARGE_DATABASE).render_as_string(hide_password=False)
    asyncio.run(_create(server_url))
    upgrade(url)
    if stored_claims(url) < claims:
        url = _fresh_database(server_url, LARGE_DATABASE)
        upgrade(url)
        with tqdm(total=claims, desc="seeding", unit=" claims", unit_scale=True, file=sys.stderr) as bar:
            asyncio.run(seed(url, claims, bar.update))
    else:
        # Earlier runs' rows folded, vacuumed and counted, so every run starts from the same kind of desk.
        asyncio.run(_vacuum(url))
    return url


async def _vacuum(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await _settle(conn)
    finally:
        await conn.close()


async def _settle(conn: asyncpg.Connection) -> None:
    """What a running service does in the background: the relay folds the reports' tallies, autovacuum (which
    may be off here) makes the rows visible to index-only scans and counts them in the statistics."""
    for statement in tallies.FOLDS:
        await conn.execute(statement)
    await conn.execute("VACUUM ANALYZE")


async def _create(server_url: str) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        if not await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": LARGE_DATABASE}):
            await conn.execute(text(f'CREATE DATABASE "{LARGE_DATABASE}"'))
    await engine.dispose()


def stored_claims(database_url: str) -> int:
    async def count() -> int:
        conn = await asyncpg.connect(database_url)
        try:
            return await conn.fetchval("SELECT count(*) FROM claim")
        finally:
            await conn.close()

    return asyncio.run(count())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=1_000_000)
    args = parser.parse_args()
    # The server `make bench` uses: FACTCHECK_DATABASE_URL's, else the embedded one of the benchmarks.
    with embedded.servers(os.environ.get("FACTCHECK_DATABASE_URL"), "unused", ROOT / ".data" / "bench") as (server, _):
        url = large_database(server, args.claims)
    print(f"{stored_claims(url):,} claims in {make_url(url).database}", file=sys.stderr)


if __name__ == "__main__":
    main()
