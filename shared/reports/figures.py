"""The desk's figures, each one SQL statement over the claims and their audit trail.

Definitions, the same everywhere (README, "Reports"):

- a **verdict** is a transition to `corroborated` or `disputed` (a change from one to the other is a verdict
  too); a **reopening** is a transition from either back to `unverified`;
- a claim's **time to verdict** runs from its creation to its first verdict; it counts in the period of
  that verdict; the **suggestion followed** when a verdict is the one the claim's suggestion named when it
  was given (what the trail recorded of that moment, not what the suggestion is now);
- the **backlog** is the claims that are `unverified`; at a moment in the past, those created before it
  whose last transition before it (if any) was a reopening;
- a reviewer **takes** a claim when it is assigned to them (they take it, or an editor assigns it); their
  time to verdict runs from the last such assignment before the verdict.

Articles are counted in the period they were received in, claims in the period they were created in,
verdicts and reopenings in the period they were given. Figures can be narrowed to one `source` (the outlet).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.reports.period import Period

DECIDED = ("corroborated", "disputed")


def _of_source(source: str | None, alias: str) -> str:
    """The condition that keeps one outlet's claims (alias ``c``) or transitions (``e``): both carry their
    outlet (migration 0009), so one outlet's figures read its own rows, through indexes that start with it."""
    return "" if source is None else f" AND {alias}.source = :source"


def _params(window: Period, source: str | None, **extra) -> dict:
    return {"start": window.start, "end": window.end, "source": source, **extra}


async def summary(session: AsyncSession, window: Period, source: str | None, now: datetime) -> dict:
    params = _params(window, source, now=now)
    of_claims, of_events = _of_source(source, "c"), _of_source(source, "e")
    by_state = {
        state: count
        for state, count in await session.execute(
            text(
                "SELECT c.state, count(*) FROM claim c "
                f"WHERE c.created_at >= :start AND c.created_at < :end{of_claims} GROUP BY c.state"
            ),
            params,
        )
    }
    # Verdicts, reopenings and first verdicts from the transitions alone (each records the suggestion the
    # claim carried, its age, whether it was the first verdict and the outlet): one index, no claim read.
    verdicts = (
        await session.execute(
            text(
                f"""
                SELECT count(*) FILTER (WHERE e.to_state = 'corroborated') AS corroborated,
                       count(*) FILTER (WHERE e.to_state = 'disputed') AS disputed,
                       count(*) FILTER (WHERE e.from_state IN {DECIDED} AND e.to_state = 'unverified') AS reopened,
                       count(e.suggested_state) FILTER (WHERE e.to_state IN {DECIDED}) AS with_suggestion,
                       count(*) FILTER (WHERE e.to_state IN {DECIDED} AND e.to_state = e.suggested_state) AS followed,
                       count(*) FILTER (WHERE e.first_verdict) AS firsts,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY e.claim_age_seconds)
                           FILTER (WHERE e.first_verdict) AS median,
                       percentile_cont(0.9) WITHIN GROUP (ORDER BY e.claim_age_seconds)
                           FILTER (WHERE e.first_verdict) AS p90
                FROM claim_event e
                WHERE e.kind = 'transition' AND e.created_at >= :start AND e.created_at < :end{of_events}
                """
            ),
            params,
        )
    ).one()
    # The recent age buckets from a range of the unverified claims' index; the oldest is the rest.
    backlog = (
        await session.execute(
            text(
                f"""
                SELECT (SELECT count(*) FROM claim c WHERE c.state = 'unverified'{of_claims}) AS total,
                       count(*) FILTER (WHERE age < interval '1 hour') AS under_1h,
                       count(*) FILTER (WHERE age >= interval '1 hour' AND age < interval '1 day') AS "1h_to_24h",
                       count(*) FILTER (WHERE age >= interval '1 day') AS "1d_to_7d"
                FROM (
                    SELECT CAST(:now AS timestamptz) - c.created_at AS age FROM claim c
                    WHERE c.state = 'unverified' AND c.created_at > CAST(:now AS timestamptz) - interval '7 days'
                      {of_claims}
                ) recent
                """
            ),
            params,
        )
    ).one()
    # From the links, which carry their claim's creation time: a twentieth of the rows a walk of the claims
    # would read. A claim linked to several earlier ones counts once.
    linked = await session.scalar(
        text(
            "SELECT count(DISTINCT l.claim_id) FROM claim_link l"
            + (" JOIN claim c ON c.id = l.claim_id" if source else "")
            + f" WHERE l.claim_created_at >= :start AND l.claim_created_at < :end{of_claims}"
        ),
        params,
    )
    return {
        "claims_by_state": {state: by_state.get(state, 0) for state in ("unverified", *DECIDED)},
        "verdicts": {"corroborated": verdicts.corroborated, "disputed": verdicts.disputed},
        "reopened": verdicts.reopened,
        "time_to_first_verdict_seconds": {"verdicts": verdicts.firsts, "median": verdicts.median, "p90": verdicts.p90},
        "backlog": {
            "total": backlog.total,
            "under_1h": backlog.under_1h,
            "1h_to_24h": backlog[2],
            "1d_to_7d": backlog[3],
            "over_7d": backlog.total - backlog.under_1h - backlog[2] - backlog[3],
        },
        "suggestion_followed": {
            "verdicts_with_suggestion": verdicts.with_suggestion,
            "followed": verdicts.followed,
            "rate": verdicts.followed / verdicts.with_suggestion if verdicts.with_suggestion else None,
        },
        "linked_to_earlier_claim": linked,
    }


async def timeseries(session: AsyncSession, window: Period, metric: str, interval: str, source: str | None) -> list:
    """One row per interval (UTC days, or ISO weeks from Monday) touching the period, empty ones as zero.
    Each counts what falls both in the interval and in the period; the backlog is that at the interval's end
    (at `to`, for an interval that ends after it)."""
    of_claims, of_events = _of_source(source, "c"), _of_source(source, "e")
    trunc = f"date_trunc('{interval}', {{}} AT TIME ZONE 'UTC')"
    buckets = f"""
        SELECT generate_series({trunc.format("CAST(:start AS timestamptz)")},
                               CAST(:end AS timestamptz) AT TIME ZONE 'UTC' - interval '1 microsecond',
                               interval '1 {interval}') AS start
    """
    if metric == "claims_created":
        query = f"""
            WITH buckets AS ({buckets}), counted AS (
                SELECT {trunc.format("c.created_at")} AS start, count(*) AS claims_created
                FROM claim c
                WHERE c.created_at >= :start AND c.created_at < :end{of_claims} GROUP BY 1
            )
            SELECT b.start, coalesce(claims_created, 0) AS claims_created
            FROM buckets b LEFT JOIN counted USING (start) ORDER BY b.start
        """
    elif metric == "verdicts":
        query = f"""
            WITH buckets AS ({buckets}), counted AS (
                SELECT {trunc.format("e.created_at")} AS start,
                       count(*) FILTER (WHERE e.to_state = 'corroborated') AS corroborated,
                       count(*) FILTER (WHERE e.to_state = 'disputed') AS disputed
                FROM claim_event e
                WHERE e.kind = 'transition' AND e.to_state IN {DECIDED}
                  AND e.created_at >= :start AND e.created_at < :end{of_events}
                GROUP BY 1
            )
            SELECT b.start, coalesce(corroborated, 0) AS corroborated, coalesce(disputed, 0) AS disputed
            FROM buckets b LEFT JOIN counted USING (start) ORDER BY b.start
        """
    else:
        # Backwards from today's backlog: the claims created since an interval's end were not there yet, and
        # each transition since then is undone (a verdict puts its claim back, a reopening takes it out).
        # Only what happened since the period began is read, in one pass, grouped by interval.
        query = f"""
            WITH buckets AS ({buckets}), changes AS MATERIALIZED (  -- once, not once an interval
                SELECT CASE WHEN t >= :end THEN 'infinity'::timestamp ELSE {trunc.format("t")} END AS g,
                       sum(change) AS change
                FROM (
                    SELECT c.created_at AS t, -1 AS change FROM claim c
                    WHERE c.created_at >= (SELECT min(start) FROM buckets) AT TIME ZONE 'UTC'{of_claims}
                    UNION ALL
                    SELECT e.created_at,
                           CASE WHEN e.from_state = 'unverified' AND e.to_state IN {DECIDED} THEN 1
                                WHEN e.from_state IN {DECIDED} AND e.to_state = 'unverified' THEN -1 ELSE 0 END
                    FROM claim_event e
                    WHERE e.kind = 'transition'
                      AND e.created_at >= (SELECT min(start) FROM buckets) AT TIME ZONE 'UTC'{of_events}
                ) moves
                GROUP BY 1
            ), today AS (
                SELECT count(*) AS backlog FROM claim c
                WHERE c.state = 'unverified'{of_claims}
            )
            SELECT b.start,
                   (SELECT backlog FROM today) + coalesce((SELECT sum(change) FROM changes WHERE g > b.start), 0)
                       AS backlog
            FROM buckets b ORDER BY b.start
        """
    rows = (await session.execute(text(query), _params(window, source))).mappings().all()
    return [{**row, "start": row["start"].replace(tzinfo=UTC)} for row in rows]


async def reviewers(session: AsyncSession, window: Period) -> list[dict]:
    rows = await session.execute(
        text(
            f"""
            WITH per_actor AS (
                SELECT e.actor, count(*) AS verdicts,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY e.held_seconds) AS median_seconds
                FROM claim_event e
                WHERE e.kind = 'transition' AND e.to_state IN {DECIDED}
                  AND e.created_at >= :start AND e.created_at < :end
                GROUP BY e.actor
            ), holding AS (
                SELECT assignee AS actor, count(*) AS held FROM claim
                WHERE assignee IS NOT NULL AND state = 'unverified' GROUP BY assignee
            )
            SELECT coalesce(p.actor, h.actor) AS reviewer, coalesce(p.verdicts, 0) AS verdicts,
                   p.median_seconds AS median_seconds_from_taking_to_verdict, coalesce(h.held, 0) AS claims_held
            FROM per_actor p FULL JOIN holding h ON h.actor = p.actor
            ORDER BY verdicts DESC, reviewer
            """
        ),
        _params(window, None),
    )
    return [dict(row) for row in rows.mappings()]


async def sources(session: AsyncSession, window: Period) -> list[dict]:
    rows = await session.execute(
        text(
            """
            WITH articles AS (
                SELECT source, count(*) AS articles FROM article
                WHERE received_at >= :start AND received_at < :end GROUP BY source
            ), claims AS (
                SELECT c.source, count(*) AS claims,
                       count(*) FILTER (WHERE c.state = 'corroborated') AS corroborated,
                       count(*) FILTER (WHERE c.state = 'disputed') AS disputed
                FROM claim c
                WHERE c.created_at >= :start AND c.created_at < :end GROUP BY c.source
            )
            SELECT coalesce(a.source, c.source) AS source, coalesce(a.articles, 0) AS articles,
                   coalesce(c.claims, 0) AS claims, coalesce(c.corroborated, 0) AS corroborated,
                   coalesce(c.disputed, 0) AS disputed
            FROM articles a FULL JOIN claims c ON c.source = a.source
            ORDER BY claims DESC, source
            """
        ),
        _params(window, None),
    )
    return [
        {
            **row,
            "dispute_rate": row["disputed"] / decided if (decided := row["corroborated"] + row["disputed"]) else None,
        }
        for row in rows.mappings()
    ]
