from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from services.api.deps import RowId, SessionDep, may
from services.api.errors import error_responses
from services.api.routers.review import ETAG_HEADER
from shared.auth.roles import Action
from shared.claims.models import ClaimState
from shared.claims.reading import get_claim, list_claims
from shared.claims.schemas import ClaimRead
from shared.evidence.schemas import EvidenceRead
from shared.related.links import related_claims
from shared.related.schemas import RelatedClaimRead, RelatedPage
from shared.review.transitions import etag
from shared.validation import MAX_ID
from shared.verification.outbox import request_verification
from shared.verification.schemas import TaskRead

router = APIRouter(prefix="/v1/claims", tags=["claims"])


class ClaimPage(BaseModel):
    items: list[ClaimRead]
    next_cursor: int | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class ClaimDetailRead(ClaimRead):
    evidence: list[EvidenceRead]
    task: TaskRead | None


@router.get(
    "",
    response_model=ClaimPage,
    summary="Claims, filtered, in a stable order",
    responses=error_responses(401, 403, 422),
)
async def claims(
    session: SessionDep,
    principal: may(Action.read_own),
    state: ClaimState | None = None,
    article_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    cursor: Annotated[int | None, Query(ge=0, le=MAX_ID, description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
):
    rows, next_after = await list_claims(
        session,
        state=state,
        article_id=article_id,
        min_score=min_score,
        after=cursor,
        limit=limit,
        submitted_by=principal.only_own,
    )
    return ClaimPage(
        items=[ClaimRead.model_validate(r) for r in rows],
        next_cursor=next_after,
    )


@router.get(
    "/{claim_id}",
    response_model=ClaimDetailRead,
    summary="A claim with its evidence and task",
    responses={200: {"headers": ETAG_HEADER}} | error_responses(401, 403, 404, 422),
)
async def claim(claim_id: RowId, session: SessionDep, principal: may(Action.read_own), response: Response):
    detail = await get_claim(session, claim_id, submitted_by=principal.only_own)
    response.headers["ETag"] = etag(detail.claim.version)  # send it back in If-Match to move the claim
    return ClaimDetailRead.model_validate(
        {
            **ClaimRead.model_validate(detail.claim).model_dump(),
            "evidence": detail.evidence,
            "task": detail.task,
        }
    )


@router.post(
    "/{claim_id}/verify",
    response_model=TaskRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Gather evidence for a claim again",
    description=(
        "Puts the claim's finished verification task back in the queue (a task not yet finished is left as "
        "it is). Evidence already stored stays; the new run adds only new evidence."
    ),
    responses=error_responses(401, 403, 404, 422),
)
async def verify_again(claim_id: RowId, session: SessionDep, principal: may(Action.verify)):
    return await request_verification(session, claim_id)


@router.get(
    "/{claim_id}/related",
    response_model=RelatedPage,
    summary="The same claim in other articles",
    description=(
        "Claims of other articles found to state the same thing (the same figures, dates, names and polarity, "
        "in words at least FACTCHECK_RELATED_MIN_SIMILARITY alike), both those stored before this one and "
        "after, with their articles, states and the verdicts people gave them. A claim is linked when its "
        "verification task starts, so a claim just stored may not be linked yet. An integration key sees only "
        "claims of the articles it sent."
    ),
    responses=error_responses(401, 403, 404, 422),
)
async def related(claim_id: RowId, session: SessionDep, principal: may(Action.read_own)):
    await get_claim(session, claim_id, submitted_by=principal.only_own)  # 404 unless the caller may see it
    rows = await related_claims(session, claim_id, submitted_by=principal.only_own)
    return RelatedPage(
        items=[
            RelatedClaimRead.model_validate(
                {
                    "claim_id": r.claim.id,
                    "text": r.claim.text,
                    "state": r.claim.state,
                    "article": {
                        "id": r.article.id,
                        "source": r.article.source,
                        "title": r.article.title,
                        "url": r.article.url,
                        "published_at": r.article.published_at,
                    },
                    "similarity": r.similarity,
                    "matched": r.matched,
                    "earlier": r.earlier,
                    "verdict": (
                        {
                            "state": r.verdict.state,
                            "by": r.verdict.by,
                            "rationale": r.verdict.rationale,
                            "at": r.verdict.at,
                        }
                        if r.verdict
                        else None
                    ),
                }
            )
            for r in rows
        ]
    )
