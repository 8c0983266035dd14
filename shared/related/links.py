"""Linking a claim to the claims of other articles that state the same thing, and reading the links back.

``link_claims`` runs in the claim's verification task, before any evidence is gathered (so whatever path
stored the claim, it is matched once it is committed, and two articles stored at the same moment still
find each other: the task of the later commit sees the earlier one). It stores the claim's signature and
keys, looks candidates up by key (at most PER_KEY claims a key, newest first: an index lookup whatever
the size of the archive), compares each with ``matching.compare`` and links those at least as similar as
the threshold. Idempotent: a task run twice links nothing twice.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import ColumnElement, Select, bindparam, false, func, select, text, true, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlalchemy.types import BigInteger, Float, Text

from shared.articles.models import Article
from shared.claims.models import Claim
from shared.related.matching import Signature, compare, match_keys, signature
from shared.related.models import ClaimLink
from shared.review.models import ClaimEvent

PER_KEY = 50  # claims read per key, newest first
CANDIDATES = 5  # claims compared, those sharing most keys

# For each claim, the claims sharing most keys with it, at most PER_KEY a key (newest first), of other
# articles. A claim stating the same thing shares several keys; one sharing a single common key rarely does,
# so only the CANDIDATES sharing most are compared (the article is checked on those alone: a claim of the
# same article takes one of the places). One statement for all the claims being linked, each claim's
# candidates ranked on their own (a top-N of a few hundred rows, not one sort of thousands). Every step is a
# LATERAL lookup: the planner over-estimates the candidates, and the merge join it would otherwise pick reads
# the whole claim index (0.3 s at a million claims).
_CANDIDATES = text(
    """
    SELECT c.owner, s.claim_id, s.signature
    FROM unnest(:claim_ids, :article_ids) AS c(owner, article_id)
    CROSS JOIN LATERAL (
        SELECT hit.claim_id, count(*) AS shared
        FROM unnest(:owners, :keys) AS k(owner, key)
        CROSS JOIN LATERAL (
            SELECT m.claim_id FROM claim_match_key m
            WHERE m.key = k.key AND m.claim_id <> k.owner
            ORDER BY m.claim_id DESC LIMIT :per_key
        ) AS hit
        WHERE k.owner = c.owner
        GROUP BY hit.claim_id
        ORDER BY shared DESC, hit.claim_id DESC
        LIMIT :candidates
    ) AS top
    CROSS JOIN LATERAL (
        SELECT s.claim_id, s.signature FROM claim o JOIN claim_signature s ON s.claim_id = o.id
        WHERE o.id = top.claim_id AND o.article_id <> c.article_id
        LIMIT 1
    ) AS s
    """
).bindparams(
    bindparam("claim_ids", type_=ARRAY(BigInteger)),
    bindparam("article_ids", type_=ARRAY(BigInteger)),
    bindparam("owners", type_=ARRAY(BigInteger)),
    bindparam("keys", type_=ARRAY(BigInteger)),
)


# Rows go in as arrays, one statement each whatever their number: a claim has sixteen keys, an article
# about 160, and a VALUES list that long costs more to build and parse than the insert itself.
_STORE = text(
    """
    WITH signatures AS (
        INSERT INTO claim_signature (claim_id, signature)
        SELECT claim_id, signature::jsonb FROM unnest(:claim_ids, :signatures) AS s(claim_id, signature)
        ON CONFLICT (claim_id) DO UPDATE SET signature = excluded.signature
    )
    INSERT INTO claim_match_key (key, claim_id)
    SELECT key, claim_id FROM unnest(:keys, :owners) AS k(key, claim_id)
    ON CONFLICT DO NOTHING
    """
).bindparams(
    bindparam("claim_ids", type_=ARRAY(BigInteger)),
    bindparam("signatures", type_=ARRAY(Text)),
    bindparam("keys", type_=ARRAY(BigInteger)),
    bindparam("owners", type_=ARRAY(BigInteger)),
)
_LINK = text(
    """
    INSERT INTO claim_link (claim_id, earlier_claim_id, similarity, matched)
    SELECT claim_id, earlier_claim_id, similarity, matched::jsonb
    FROM unnest(:claim_ids, :earlier_ids, :similarities, :matched) AS l(claim_id, earlier_claim_id, similarity, matched)
    ON CONFLICT DO NOTHING
    """
).bindparams(
    bindparam("claim_ids", type_=ARRAY(BigInteger)),
    bindparam("earlier_ids", type_=ARRAY(BigInteger)),
    bindparam("similarities", type_=ARRAY(Float)),
    bindparam("matched", type_=ARRAY(Text)),
)


class Stored(Protocol):
    """What matching needs of a stored claim (a Claim row has it)."""

    id: int
    text: str
    attribution: str | None
    article_id: int


async def link_claims(
    session: AsyncSession, claims: Sequence[Stored], *, min_similarity: float
) -> dict[int, list[int]]:
    """Index the claims and link each to the same claims of other articles: claim id -> the ids linked.

    Three statements whatever the number of claims (an article's claims are linked together).
    """
    signatures = {claim.id: signature(claim.text, claim.attribution) for claim in claims}
    if not signatures:
        return {}
    lookup = candidate_lookup(claims, signatures)
    await session.execute(
        _STORE,
        {
            "claim_ids": list(signatures),
            "signatures": [json.dumps(sig.to_json()) for sig in signatures.values()],
            "owners": lookup["owners"],
            "keys": lookup["keys"],
        },
    )
    linked: dict[int, list[int]] = {claim.id: [] for claim in claims}
    if not lookup["keys"]:
        return linked
    found = await session.execute(_CANDIDATES, lookup)
    links = {}
    for owner, other_id, data in found:
        comparison = compare(signatures[owner], Signature.from_json(data))
        if comparison.same(min_similarity):
            linked[owner].append(other_id)
            pair = (max(owner, other_id), min(owner, other_id))
            links[pair] = (pair[0], pair[1], comparison.similarity, comparison.matched)
    if links:
        claim_ids, earlier_ids, similarities, matched = zip(*links.values(), strict=True)
        await session.execute(
            _LINK,
            {
                "claim_ids": list(claim_ids),
                "earlier_ids": list(earlier_ids),
                "similarities": list(similarities),
                "matched": [json.dumps(m) for m in matched],
            },
        )
    return {claim_id: sorted(ids) for claim_id, ids in linked.items()}


def candidate_lookup(claims: Sequence[Stored], signatures: dict[int, Signature]) -> dict:
    """The parameters of ``_CANDIDATES`` for these claims: each claim's keys as parallel arrays."""
    owners, keys = [], []
    for claim in claims:
        for key in match_keys(signatures[claim.id]):
            owners.append(claim.id)
            keys.append(key)
    return {
        "claim_ids": [claim.id for claim in claims],
        "article_ids": [claim.article_id for claim in claims],
        "owners": owners,
        "keys": keys,
        "per_key": PER_KEY,
        "candidates": CANDIDATES,
    }


@dataclass(frozen=True, slots=True)
class Verdict:
    state: str
    by: str
    rationale: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Related:
    claim: Claim
    article: Article
    similarity: float
    matched: dict
    earlier: bool  # the related claim was stored before this one
    verdict: Verdict | None  # the last verdict people gave it, if it has one now


# The related claims' articles are shown by source and title: their bodies (up to a megabyte each) stay unread.
_WITHOUT_BODY = defer(Article.body, raiseload=True)


def _linked(claim_id: int | ColumnElement[int]):
    """(related claim id, similarity, matched, earlier) for every link of the claim, both ways.

    ``claim_id`` is an id, or a column of an enclosing query that the links are read for, row by row.
    """
    later = (
        select(
            ClaimLink.earlier_claim_id.label("other_id"),
            ClaimLink.similarity,
            ClaimLink.matched,
            true().label("earlier"),
        )
        .where(ClaimLink.claim_id == claim_id)
        .correlate_except(ClaimLink)
    )
    earlier = (
        select(ClaimLink.claim_id.label("other_id"), ClaimLink.similarity, ClaimLink.matched, false().label("earlier"))
        .where(ClaimLink.earlier_claim_id == claim_id)
        .correlate_except(ClaimLink)
    )
    return union_all(later, earlier).subquery("linked")


def _verdict():
    """The verdict of the claim of the enclosing query: its last transition (LATERAL, read row by row). Joined
    where that claim is not unverified: a claim reopened to unverified has no verdict now."""
    return (
        select(ClaimEvent.to_state, ClaimEvent.actor, ClaimEvent.rationale, ClaimEvent.created_at)
        .where(ClaimEvent.claim_id == Claim.id, ClaimEvent.kind == "transition")
        .order_by(ClaimEvent.id.desc())
        .limit(1)
        .lateral("verdict")
    )


async def related_claims(
    session: AsyncSession, claim_id: int, *, submitted_by: str | None = None, limit: int = 100
) -> list[Related]:
    """The claims linked to this one, most similar first, each with its article and its current verdict."""
    linked = _linked(claim_id)
    verdict = _verdict()
    query = (
        select(Claim, Article, linked.c.similarity, linked.c.matched, linked.c.earlier, verdict)
        .join(Claim, Claim.id == linked.c.other_id)
        .join(Article, Article.id == Claim.article_id)
        .outerjoin(verdict, Claim.state != "unverified")
        .order_by(linked.c.similarity.desc(), Claim.id)
        .limit(limit)
        .options(_WITHOUT_BODY)
    )
    if submitted_by is not None:
        query = query.where(Article.submitted_by == submitted_by)
    return [
        Related(claim, article, similarity, matched, earlier, Verdict(state, by, why, at) if state else None)
        for claim, article, similarity, matched, earlier, state, by, why, at in await session.execute(query)
    ]


async def earlier_verdicts(session: AsyncSession, claim_ids: Sequence[int]) -> dict[int, tuple[Related, Verdict]]:
    """For each claim, the most recent verdict people gave a claim linked to it, with that claim; claims none of
    whose linked claims has a verdict are left out.

    Picked in the database for all the claims at once (one statement, then one more to read the claims picked):
    a transition refreshes the suggestion of every claim linked to the one moved (one wire story in fifty outlets:
    fifty claims, each linked to the other forty-nine), and a task refreshes its own claim twice. Between verdicts
    given at the same moment, the most similar claim's wins.
    """
    if not claim_ids:
        return {}
    rows = (await session.execute(_newest_verdicts(), {"claim_ids": list(claim_ids)})).all()
    if not rows:
        return {}
    decided = await session.execute(
        select(Claim, Article)
        .join(Article, Article.id == Claim.article_id)
        .where(Claim.id.in_({row.other_id for row in rows}))
        .options(_WITHOUT_BODY)
    )
    found = {claim.id: (claim, article) for claim, article in decided}
    offered = {}
    for claim_id, other_id, similarity, matched, earlier, state, by, rationale, at in rows:
        given = Verdict(state, by, rationale, at)
        offered[claim_id] = (Related(*found[other_id], similarity, matched, earlier, given), given)
    return offered


@functools.cache
def _newest_verdicts() -> Select:
    """(claim id, the linked claim whose verdict is newest, its similarity, matched, earlier, that verdict) for
    each id of the ``claim_ids`` parameter that has one. Built once: putting the statement together (its union,
    aliases and LATERAL joins) cost 1 to 3 ms of CPU each time, depending on the machine's hour, twice a task."""
    each = func.unnest(bindparam("claim_ids", type_=ARRAY(BigInteger))).table_valued("id").render_derived(name="each")
    linked = _linked(each.c.id)
    verdict = _verdict()
    newest = (
        select(linked.c.other_id, linked.c.similarity, linked.c.matched, linked.c.earlier, verdict)
        .select_from(linked)
        .join(Claim, Claim.id == linked.c.other_id)
        .join(verdict, Claim.state != "unverified")
        .order_by(verdict.c.created_at.desc(), linked.c.similarity.desc(), Claim.id)
        .limit(1)
        .lateral("newest")
    )
    return select(each.c.id, newest).select_from(each).join(newest, true())


async def linked_ids(session: AsyncSession, claim_id: int) -> list[int]:
    linked = _linked(claim_id)
    return list(await session.scalars(select(linked.c.other_id)))
