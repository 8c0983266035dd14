"""The review workflow: state transitions under If-Match, assignment, notes, history and the work queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from services.api.deps import RowId, SessionDep, may
from services.api.errors import error_responses
from shared.auth.roles import Action
from shared.claims.models import Claim, ClaimState
from shared.claims.schemas import ClaimRead
from shared.db import retried
from shared.review import assignment, notes
from shared.review.history import history
from shared.review.queue import QueueFilter, Sort, Suggested, queue
from shared.review.schemas import (
    AssigneeUpdate,
    ClaimEventRead,
    HistoryPage,
    NoteCreate,
    QueuePage,
    TransitionCreate,
)
from shared.review.transitions import etag, transition
from shared.validation import MAX_ID, Text

router = APIRouter(prefix="/v1", tags=["review"])

MAX_AGE_HOURS = 1_000_000  # about 114 years: any claim's age


def _claim(claim: Claim, response: Response) -> ClaimRead:
    response.headers["ETag"] = etag(claim.version)
    return ClaimRead.model_validate(claim)


ETAG_HEADER = {
    "ETag": {"description": 'The claim\'s version as an entity tag, e.g. `"4"`.', "schema": {"type": "string"}}
}


@router.post(
    "/claims/{claim_id}/transitions",
    response_model=ClaimRead,
    summary="Move a claim to another state",
    description=(
        "Moves: unverified → corroborated | disputed; corroborated ↔ disputed; corroborated | disputed → "
        "unverified (a reopening: editors and admins only). Every move needs a rationale; a verdict "
        "(corroborated, disputed) may cite evidence ids of this claim.\n\n"
        '**If-Match is required**: the `ETag` of `GET /v1/claims/{id}`, e.g. `If-Match: "3"` (the bare number '
        'is accepted too). Without it: 428. Not an ETag (`*`, a weak tag `W/"3"`, a list): 400 `bad_if_match`. '
        "A version the claim no longer has: 412 with `current: {state, version}`. Of concurrent transitions "
        "from the same version exactly one succeeds. The answer carries the new `ETag`.\n\n"
        "Errors in order: 404, 403 (a reviewer reopening), 428, 400, 412, 409 `illegal_transition` (with "
        "`allowed`: the moves from the current state), 422 (with `evidence_ids`: those not of this claim). A move "
        "updates the suggestions of the claims linked to this one: if one of them is moved at the same moment, "
        "the two may meet in the database, which undoes one; that one is run again, and only if they meet three "
        "times in a row is it 503 `busy` with `Retry-After`: nothing of it was saved, send it again."
    ),
    responses={200: {"headers": ETAG_HEADER}} | error_responses(400, 401, 403, 404, 409, 412, 422, 428),
)
async def move(
    principal: may(Action.transition),
    claim_id: RowId,
    data: TransitionCreate,
    session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header(description='The claim\'s ETag, e.g. `"3"`. Required (else 428).')] = None,
):
    async def move_it():
        return await transition(
            session,
            principal,
            claim_id,
            to=data.to,
            rationale=data.rationale,
            evidence_ids=data.evidence_ids,
            if_match=if_match,
        )

    claim, _ = await retried(session, move_it)  # a deadlock with a linked claim's move: run again
    return _claim(claim, response)


@router.post(
    "/claims/{claim_id}/take",
    response_model=ClaimRead,
    summary="Take an unassigned claim",
    description=(
        "Assigns the claim to the caller. Taking a claim one already has changes nothing. Someone else's: 409 "
        "`already_assigned` (with `assignee`). Does not change the claim's version."
    ),
    responses={200: {"headers": ETAG_HEADER}} | error_responses(401, 403, 404, 409, 422),
)
async def take(principal: may(Action.take), claim_id: RowId, session: SessionDep, response: Response):
    return _claim(await assignment.take(session, principal, claim_id), response)


@router.post(
    "/claims/{claim_id}/release",
    response_model=ClaimRead,
    summary="Release a claim one has",
    description=(
        "Unassigns the caller's own claim. Nobody's: 409 `not_assigned`. Someone else's: 403 `not_assignee` "
        "(an editor reassigns it with PUT /v1/claims/{id}/assignee). Does not change the claim's version."
    ),
    responses={200: {"headers": ETAG_HEADER}} | error_responses(401, 403, 404, 409, 422),
)
async def release(principal: may(Action.take), claim_id: RowId, session: SessionDep, response: Response):
    return _claim(await assignment.release(session, principal, claim_id), response)


@router.put(
    "/claims/{claim_id}/assignee",
    response_model=ClaimRead,
    summary="Assign a claim to someone, or to nobody",
    description=(
        "`assignee`: the name of an active key whose role may review claims (else 422), or null to unassign; "
        "whoever had it before. No change, no event. Does not change the claim's version."
    ),
    responses={200: {"headers": ETAG_HEADER}} | error_responses(401, 403, 404, 422),
)
async def set_assignee(
    principal: may(Action.assign), claim_id: RowId, data: AssigneeUpdate, session: SessionDep, response: Response
):
    return _claim(await assignment.assign(session, principal, claim_id, data.assignee), response)


@router.post(
    "/claims/{claim_id}/notes",
    response_model=ClaimEventRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a note to a claim",
    description="Stored in the claim's history as an event of kind `note`, the text in `rationale`.",
    responses=error_responses(401, 403, 404, 422),
)
async def add_note(principal: may(Action.note), claim_id: RowId, data: NoteCreate, session: SessionDep):
    return await notes.add_note(session, principal, claim_id, data.text)


@router.get(
    "/claims/{claim_id}/history",
    response_model=HistoryPage,
    summary="A claim's audit trail, oldest first",
    description="Every transition (with rationale and cited evidence), assignment and note, with who and when. "
    "An integration key reads the transitions of its own claims only (its verdicts); others' claims are 404.",
    responses=error_responses(401, 403, 404, 422),
)
async def claim_history(
    principal: may(Action.read_own),
    claim_id: RowId,
    session: SessionDep,
    cursor: Annotated[int | None, Query(ge=0, le=MAX_ID, description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
):
    rows, next_after = await history(session, claim_id, after=cursor, limit=limit, submitted_by=principal.only_own)
    return HistoryPage(items=[ClaimEventRead.model_validate(r) for r in rows], next_cursor=next_after)


@router.get(
    "/queue",
    response_model=QueuePage,
    summary="The caller's work: their claims, then unassigned ones",
    description=(
        "The caller's claims first, then claims nobody has (claims someone else has are left out), each group "
        "sorted by `sort`: `score` (most check-worthy first) or `age` (oldest first). Age is the time since "
        "the claim was found."
    ),
    responses=error_responses(401, 403, 422),
)
async def work_queue(
    principal: may(Action.take),
    session: SessionDep,
    state: ClaimState | None = None,
    article_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    source: Annotated[Text | None, Query(min_length=1, max_length=200, description="The article's source.")] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    suggested: Annotated[
        Suggested | None, Query(description="The suggested verdict: corroborated, disputed, or none (no suggestion).")
    ] = None,
    min_age_hours: Annotated[float | None, Query(ge=0, le=MAX_AGE_HOURS)] = None,
    max_age_hours: Annotated[float | None, Query(ge=0, le=MAX_AGE_HOURS)] = None,
    decided_elsewhere: Annotated[
        bool | None,
        Query(
            description="true: only claims whose same claim in another article people have decided (the "
            "suggestion offers that verdict, `suggested_from_claim_id` names it); false: only the others."
        ),
    ] = None,
    sort: Sort = Sort.score,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
):
    where = QueueFilter(
        decided_elsewhere=decided_elsewhere,
        state=state,
        article_id=article_id,
        source=source,
        min_score=min_score,
        suggested=suggested,
        min_age_hours=min_age_hours,
        max_age_hours=max_age_hours,
    )
    return QueuePage(items=await queue(session, principal, where, sort=sort, limit=limit))
