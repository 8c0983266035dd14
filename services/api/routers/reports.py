"""What editors read: the desk's figures over a period (editors and admins)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from services.api.deps import RowId, SessionDep, SettingsDep, may
from services.api.errors import error_responses
from shared.auth.roles import Action
from shared.claims.models import ClaimState
from shared.reports import claimreview, figures
from shared.reports.export import claims_csv
from shared.reports.period import period, utc
from shared.validation import MAX_ID, Moment, Text

router = APIRouter(prefix="/v1", tags=["reports"])

From = Annotated[
    Moment | None,
    Query(alias="from", description="ISO 8601, any offset (UTC when none); default: 30 days before `to`."),
]
To = Annotated[Moment | None, Query(alias="to", description="ISO 8601, exclusive; default: now.")]
Source = Annotated[Text | None, Query(min_length=1, max_length=200, description="Only the articles of this outlet.")]
PERIOD_RULES = " `from` after `to`, or a period over 5 years: 422 naming the field. Times are UTC in the answer."


class Metric(enum.StrEnum):
    claims_created = "claims_created"
    verdicts = "verdicts"
    backlog = "backlog"


class Interval(enum.StrEnum):
    day = "day"
    week = "week"


def _window(start: datetime | None, end: datetime | None) -> dict:
    window = period(start, end)
    return {"from": window.start, "to": window.end}


@router.get(
    "/reports/summary",
    summary="The desk at a glance",
    description=(
        "Claims created in the period by their state now; verdicts given in it; time from a claim's creation to "
        "its first verdict (median, p90, in seconds, for first verdicts in the period); the backlog now "
        "(unverified claims) by age; how often the verdict people gave was the suggested one; reopenings; "
        "claims linked to an earlier claim." + PERIOD_RULES
    ),
    responses=error_responses(401, 403, 422),
)
async def summary(
    session: SessionDep, _: may(Action.read_reports), start: From = None, end: To = None, source: Source = None
):
    window = period(start, end)
    return {
        **_window(start, end),
        "source": source,
        **await figures.summary(session, window, source, datetime.now(UTC)),
    }


@router.get(
    "/reports/timeseries",
    summary="A figure per day or week",
    description=(
        "`claims_created`, `verdicts` (corroborated and disputed) or `backlog` (at the end of each interval), "
        "one row per UTC day or ISO week (from Monday) touching the period, empty ones as zero." + PERIOD_RULES
    ),
    responses=error_responses(401, 403, 422),
)
async def timeseries(
    session: SessionDep,
    _: may(Action.read_reports),
    metric: Metric,
    interval: Interval = Interval.day,
    start: From = None,
    end: To = None,
    source: Source = None,
):
    window = period(start, end)
    rows = await figures.timeseries(session, window, metric.value, interval.value, source)
    return {**_window(start, end), "metric": metric, "interval": interval, "source": source, "items": rows}


@router.get(
    "/reports/reviewers",
    summary="Who gave verdicts, how fast, and what they hold",
    description=(
        "Per reviewer: verdicts given in the period, median seconds from taking a claim (its last assignment to "
        "them) to their verdict, and unverified claims assigned to them now." + PERIOD_RULES
    ),
    responses=error_responses(401, 403, 422),
)
async def reviewers(session: SessionDep, _: may(Action.read_reports), start: From = None, end: To = None):
    return {**_window(start, end), "items": await figures.reviewers(session, period(start, end))}


@router.get(
    "/reports/sources",
    summary="Outlets: articles, claims and how often they are disputed",
    description=(
        "Per article source: articles and claims created in the period, how many of those claims are "
        "corroborated and disputed now, and the dispute rate (disputed / decided)." + PERIOD_RULES
    ),
    responses=error_responses(401, 403, 422),
)
async def sources(session: SessionDep, _: may(Action.read_reports), start: From = None, end: To = None):
    return {**_window(start, end), "items": await figures.sources(session, period(start, end))}


@router.get(
    "/exports/claims.csv",
    summary="The claims as CSV",
    description=(
        "One row a claim created in the period (optionally in one `state`): its article, state, the time of "
        "its verdict, who gave it and why. Streamed (memory stays flat at any size), RFC 4180 quoting with "
        "a header row; a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading "
        "`'`, so that no spreadsheet takes it for a formula." + PERIOD_RULES
    ),
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The CSV."}} | error_responses(401, 403, 422),
)
async def claims_export(
    request: Request,
    _: may(Action.read_reports),
    start: From = None,
    end: To = None,
    state: Annotated[ClaimState | None, Query(description="Only claims in this state now.")] = None,
):
    window = period(start, end)
    return StreamingResponse(
        claims_csv(request.app.state.sessions, window, state.value if state else None),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="claims.csv"'},
    )


@router.get(
    "/claims/{claim_id}/claimreview",
    summary="A verdict as schema.org ClaimReview",
    description=(
        "JSON-LD for a claim that is corroborated or disputed now: `claimReviewed`, `reviewRating` (corroborated "
        "2, disputed 1, of 1 to 2, with `alternateName`), `itemReviewed` (the `Claim`, its author, date and "
        "appearance: the article's URL), `author` (FACTCHECK_ORGANISATION_NAME), `datePublished`, `url`. "
        "404 for a claim without a verdict."
    ),
    responses={200: {"content": {"application/ld+json": {}}}} | error_responses(401, 403, 404, 422),
)
async def claim_review(claim_id: RowId, session: SessionDep, settings: SettingsDep, _: may(Action.read_reports)):
    return JSONLD(await claimreview.claim_review(session, settings, claim_id))


@router.get(
    "/claimreview",
    summary="A feed of ClaimReviews",
    description=(
        "The verdicts standing now, given at or after `since`, oldest first, `limit` a page; pass `next_after` "
        "as `after` for the next page (`null` at the end)."
    ),
    responses=error_responses(401, 403, 422),
)
async def claim_review_feed(
    session: SessionDep,
    settings: SettingsDep,
    _: may(Action.read_reports),
    since: Annotated[Moment | None, Query(description="ISO 8601; default: all.")] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID, description="The `next_after` of the page before.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
):
    page = await claimreview.feed(session, settings, since=utc(since) if since else None, after=after, limit=limit)
    return {"items": page.items, "next_after": page.next_after}


class JSONLD(JSONResponse):
    media_type = "application/ld+json"
