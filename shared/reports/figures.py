"""The desk's figures, each one SQL statement over the claims, their audit trail and their daily tallies.

The counts add up the daily tallies by outlet (``tallies.py``, kept by the database) for the whole UTC days of the
period and count the rows themselves for its hours before the first midnight and after the last; the median and
p90 of the time to a first verdict read every first verdict of the period, as they must to be exact.

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

from shared.reports.models import VERDICT_COUNTS
from shared.reports.period import Period
from shared.reports.tallies import day_of, whole_days

DECIDED = ("corroborated", "disputed")


def _of_source(source: str | None, alias: str) -> str:
    """The condition that keeps one outlet's claims (alias ``c``) or transitions (``e``): both carry their
    outlet (migration 0009), so one outlet's figures read its own rows, through indexes that start with it."""
    return "" if source is None else f" AND {alias}.source = :source"


def _params(window: Period, source: str | None, **extra) -> dict:
    return {"start": window.start, "end": window.end, "source": source, **extra}


# What each transition (alias ``e``) counts for, by the verdict tallies' column (VERDICT_COUNTS) holding its
# sum per day (migration 0010).
_VERDICT_KINDS = {
    "corroborated": "e.to_state = 'corroborated'",
    "disputed": "e.to_state = 'disputed'",
    "reopened": f"e.from_state IN {DECIDED} AND e.to_state = 'unverified'",
    "settled": f"e.from_state = 'unverified' AND e.to_state IN {DECIDED}",  # out of the backlog
    "with_suggestion": f"e.suggested_state IS NOT NULL AND e.to_state IN {DECIDED}",
    "followed": f"e.to_state IN {DECIDED} AND e.to_state = e.suggested_state",
    "first_verdicts": "e.first_verdict",
}
_BACKLOG_NOW = "SELECT CAST(coalesce(sum(t.claims), 0) AS bigint) FROM claim_tally t WHERE t.state = 'unverified'{}"
_WHOLE_DAYS = "t.day >= :days_from AND t.day < :days_to"
_EDGES = (
    "{0}.created_at >= :start AND {0}.created_at < :head_end",
    "{0}.created_at >= :tail_start AND {0}.created_at < :end",
)


def _claims_created(source: str | None) -> str:
    """(at, source, state, claims) adding up to the claims created in the period by outlet and state now: its whole
    days from the tallies (``at`` their midnight), the hours around them from the claims; ``at`` in UTC."""
    of_tally, of_claims = _of_source(source, "t"), _of_source(source, "c")
    edges = " UNION ALL ".join(
        f"SELECT c.created_at AT TIME ZONE 'UTC', c.source, c.state, 1 FROM claim c WHERE {edge.format('c')}{of_claims}"
        for edge in _EDGES
    )
    days = (
        f"SELECT t.day::timestamp AS at, t.source, t.state, t.claims FROM claim_tally t WHERE {_WHOLE_DAYS}{of_tally}"
    )
    return f"{days} UNION ALL {edges}"


def _transitions_made(source: str | None) -> str:
    """(at, and one column of each of VERDICT_COUNTS) adding up to the transitions made in the period, as
    ``_claims_created`` does: whole days from the tallies, the hours around them one transition a row."""
    of_tally, of_events = _of_source(source, "t"), _of_source(source, "e")
    counts = ", ".join(f"CASE WHEN {_VERDICT_KINDS[name]} THEN 1 ELSE 0 END" for name in VERDICT_COUNTS)
    edges = " UNION ALL ".join(
        f"SELECT e.created_at AT TIME ZONE 'UTC', {counts} FROM claim_event e "
        f"WHERE e.kind = 'transition' AND {edge.format('e')}{of_events}"
        for edge in _EDGES
    )
    days = (
        f"SELECT t.day::timestamp AS at, {', '.join(VERDICT_COUNTS)} FROM verdict_tally t WHERE {_WHOLE_DAYS}{of_tally}"
    )
    return f"{days} UNION ALL {edges}"


def _summed(*names: str) -> str:
    return ", ".join(f"CAST(coalesce(sum({name}), 0) AS bigint) AS {name}" for name in names)


async def summary(session: AsyncSession, window: Period, source: str | None, now: datetime) -> dict:
    params = _params(window, source, now=now) | whole_days(window)
    of_claims, of_events = _of_source(source, "c"), _of_source(source, "e")
    by_state = {
        state: count
        for state, count in await session.execute(
            text(f"SELECT state, {_summed('claims')} FROM ({_claims_created(source)}) made GROUP BY state"), params
        )
    }
    verdicts = (
        await session.execute(
            text(f"SELECT {_summed(*VERDICT_COUNTS)} FROM ({_transitions_made(source)}) made"), params
        )
    ).one()
    # The exact median and p90 need each first verdict's age: from an index of those alone, sorted once.
    median, p90 = (
        await session.scalar(
            text(
                f"""
                SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY e.claim_age_seconds)
                FROM claim_event e
                WHERE e.kind = 'transition' AND e.first_verdict
                  AND e.created_at >= :start AND e.created_at < :end{of_events}
                """
            ),
            params,
        )
    ) or (None, None)
    # The total from the tallies, the recent age buckets from a range of the unverified claims' index; the
    # oldest is the rest.
    backlog = (
        await session.execute(
            text(
                f"""
                SELECT ({_BACKLOG_NOW.format(_of_source(source, "t"))}) AS total,
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
        "time_to_first_verdict_seconds": {
            "verdicts": verdicts.first_verdicts,
            "median": median,
            "p90": p90,
        },
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
    trunc = f"date_trunc('{interval}', {{}} AT TIME ZONE 'UTC')"
    buckets = f"""
        SELECT generate_series({trunc.format("CAST(:start AS timestamptz)")},
                               CAST(:end AS timestamptz) AT TIME ZONE 'UTC' - interval '1 microsecond',
                               interval '1 {interval}') AS start
    """
    if metric in ("claims_created", "verdicts"):
        made, counts = (
            (_claims_created(source), "CAST(sum(claims) AS bigint) AS claims_created")
            if metric == "claims_created"
            else (_transitions_made(source), _summed("corroborated", "disputed"))
        )
        names = ["claims_created"] if metric == "claims_created" else list(DECIDED)
        query = f"""
            WITH buckets AS ({buckets}), counted AS (
                SELECT date_trunc('{interval}', at) AS start, {counts} FROM ({made}) made GROUP BY 1
            )
            SELECT b.start, {", ".join(f"coalesce({name}, 0) AS {name}" for name in names)}
            FROM buckets b LEFT JOIN counted USING (start) ORDER BY b.start
        """
    else:
        # Backwards from today's backlog: the claims created since an interval's end were not there yet, and
        # each transition since then is undone (a verdict puts its claim back, a reopening takes it out). What
        # happened since the period began is read from the tallies by day, in one pass, grouped by interval;
        # only the day that `to` falls in is read from the rows, as part of it is after `to`.
        of_tally, of_claims, of_events = _of_source(source, "t"), _of_source(source, "c"), _of_source(source, "e")
        after_to = "'infinity'::timestamp"
        by_day = f"CASE WHEN t.day >= :to_day_end THEN {after_to} ELSE date_trunc('{interval}', t.day::timestamp) END"

        def by_moment(column: str) -> str:
            return f"CASE WHEN {column} >= :end THEN {after_to} ELSE {trunc.format(column)} END"

        change = f"CASE WHEN {_VERDICT_KINDS['settled']} THEN 1 WHEN {_VERDICT_KINDS['reopened']} THEN -1 ELSE 0 END"
        tallied_days = (
            "t.day >= (SELECT min(start) FROM buckets) AND NOT (t.day >= :to_day AND t.day < :to_day_end)" + of_tally
        )
        query = f"""
            WITH buckets AS ({buckets}), changes AS MATERIALIZED (  -- once, not once an interval
                SELECT g, CAST(sum(change) AS bigint) AS change
                FROM (
                    SELECT {by_day} AS g, -t.claims AS change FROM claim_tally t WHERE {tallied_days}
                    UNION ALL
                    SELECT {by_day}, t.settled - t.reopened FROM verdict_tally t WHERE {tallied_days}
                    UNION ALL
                    SELECT {by_moment("c.created_at")}, -1 FROM claim c
                    WHERE c.created_at >= :to_day_start AND c.created_at < :to_day_end_at{of_claims}
                    UNION ALL
                    SELECT {by_moment("e.created_at")}, {change}
                    FROM claim_event e
                    WHERE e.kind = 'transition' AND e.created_at >= :to_day_start AND e.created_at < :to_day_end_at
                      {of_events}
                ) moves
                GROUP BY 1
            )
            SELECT b.start,
                   ({_BACKLOG_NOW.format(of_tally)})
                     + coalesce((SELECT sum(change) FROM changes WHERE g > b.start), 0) AS backlog
            FROM buckets b ORDER BY b.start
        """
    rows = (
        (await session.execute(text(query), _params(window, source) | whole_days(window) | day_of(window.end)))
        .mappings()
        .all()
    )
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
            f"""
            WITH articles AS (
                SELECT source, count(*) AS articles FROM article
                WHERE received_at >= :start AND received_at < :end GROUP BY source
            ), claims AS (
                SELECT source, CAST(sum(claims) AS bigint) AS claims,
                       CAST(coalesce(sum(claims) FILTER (WHERE state = 'corroborated'), 0) AS bigint) AS corroborated,
                       CAST(coalesce(sum(claims) FILTER (WHERE state = 'disputed'), 0) AS bigint) AS disputed
                FROM ({_claims_created(None)}) made GROUP BY source
                HAVING sum(claims) <> 0  -- an outlet whose claims went (deleted, or not folded yet) is not listed
            )
            SELECT coalesce(a.source, c.source) AS source, coalesce(a.articles, 0) AS articles,
                   coalesce(c.claims, 0) AS claims, coalesce(c.corroborated, 0) AS corroborated,
                   coalesce(c.disputed, 0) AS disputed
            FROM articles a FULL JOIN claims c ON c.source = a.source
            ORDER BY claims DESC, source
            """
        ),
        _params(window, None) | whole_days(window),
    )
    return [
        {
            **row,
            "dispute_rate": row["disputed"] / decided if (decided := row["corroborated"] + row["disputed"]) else None,
        }
        for row in rows.mappings()
    ]
