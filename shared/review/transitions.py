"""Moving a claim between states under an optimistic lock, with its audit event in the same transaction.

Over HTTP the lock is the claim's ETag: `GET /v1/claims/{id}` answers `ETag: "<version>"`, and a transition
must send it back as `If-Match: "<version>"`. The update itself is one statement,
`UPDATE claim SET state=:to, version=version+1 WHERE id=:id AND version=:expected RETURNING ...`, so of any
number of concurrent transitions made from the same version exactly one wins; the others find no row and
are told 412 with the claim's current state and version.
"""

from __future__ import annotations

import re

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth.keys import Principal
from shared.claims.models import Claim
from shared.errors import AppError, NotFound
from shared.evidence.models import Evidence
from shared.integrations.outbound import emit_claim_event
from shared.related.links import linked_ids
from shared.review.models import ClaimEvent
from shared.review.states import check_move, check_permission, may_cite_evidence
from shared.verification.suggestion import refresh_suggestions

# What If-Match may hold: a claim's ETag as sent (`"3"`) or its bare number, with spaces or tabs around it.
# Also the header's `pattern` in the OpenAPI document.
ENTITY_TAG_PATTERN = r'^[ \t]*(?:"[0-9]{1,19}"|[0-9]{1,19})[ \t]*$'
_ENTITY_TAG = re.compile(ENTITY_TAG_PATTERN)


class PreconditionRequired(AppError):
    """428: a transition without If-Match."""

    status = 428
    code = "precondition_required"


class PreconditionFailed(AppError):
    """412: If-Match names a version the claim no longer has; `current` holds its state and version."""

    status = 412
    code = "precondition_failed"


class BadPrecondition(AppError):
    """400: If-Match is not an entity tag this service issued."""

    status = 400
    code = "bad_if_match"


class InvalidEvidence(AppError):
    """422 in the shape of a validation error, naming the evidence ids that are not the claim's."""

    status = 422
    code = "invalid"


def etag(version: int) -> str:
    """The ETag of a claim at `version`: a strong entity tag, e.g. `"3"`."""
    return f'"{version}"'


def parse_if_match(value: str | None) -> int | None:
    """The version an If-Match header names, or None when it is not one.

    Accepted: the ETag as sent (`"3"`), and the bare number (`3`). Not accepted: `*` (it would skip the
    check the header exists for), weak tags (`W/"3"`: If-Match compares strongly), lists of tags, anything
    else. The number is not range-checked here: a well-formed tag of a version no claim has is stale (412),
    not malformed.
    """
    if value is None or not _ENTITY_TAG.fullmatch(value):
        return None
    return int(value.strip(' \t"'))


def _current(claim: Claim) -> dict:
    return {"state": claim.state, "version": claim.version}


async def _fresh(session: AsyncSession, claim_id: int) -> Claim | None:
    """The claim as the database has it now (not as this session last saw it)."""
    return await session.scalar(select(Claim).where(Claim.id == claim_id).execution_options(populate_existing=True))


async def _check_evidence(session: AsyncSession, claim_id: int, to: str, evidence_ids: list[int]) -> None:
    if not evidence_ids:
        return
    if not may_cite_evidence(to):
        raise InvalidEvidence(
            f"evidence_ids: only a verdict (corroborated or disputed) cites evidence, not {to}",
            extra={"fields": [{"field": "evidence_ids", "message": f"must be empty when moving to {to}"}]},
        )
    found = set(
        await session.scalars(select(Evidence.id).where(Evidence.id.in_(evidence_ids), Evidence.claim_id == claim_id))
    )
    foreign = [i for i in evidence_ids if i not in found]
    if foreign:
        message = f"not evidence of claim {claim_id}: {', '.join(map(str, foreign))}"
        raise InvalidEvidence(
            f"evidence_ids: {message}",
            extra={"fields": [{"field": "evidence_ids", "message": message}], "evidence_ids": foreign},
        )


async def transition(
    session: AsyncSession,
    principal: Principal,
    claim_id: int,
    *,
    to: str,
    rationale: str,
    evidence_ids: list[int] | None = None,
    if_match: str | None,
) -> tuple[Claim, ClaimEvent]:
    """Move the claim to `to` if it is still at the version If-Match names; record who, why and on what.

    Checked in this order: the claim exists (404), the caller may make this move (403: a reopening needs
    Action.reopen), If-Match is present (428) and well-formed (400) and current (412), the move exists (409),
    the cited evidence is the claim's (422). Never commits.
    """
    evidence_ids = list(dict.fromkeys(evidence_ids or []))
    claim = await _fresh(session, claim_id)
    if claim is None:
        raise NotFound(f"claim {claim_id} does not exist")
    check_permission(principal.role, to)
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            f"send If-Match with the ETag of GET /v1/claims/{claim_id}: a transition is made from a known version"
        )
    expected = parse_if_match(if_match)
    if expected is None:
        raise BadPrecondition(
            f'If-Match must be the ETag that GET /v1/claims/{claim_id} sends, e.g. "3"; got {if_match[:100]!r}'
        )
    if expected != claim.version:
        raise _stale(claim, expected)
    from_state = claim.state
    target = check_move(from_state, to)
    await _check_evidence(session, claim_id, target, evidence_ids)

    moved = await session.scalar(
        update(Claim)
        .where(Claim.id == claim_id, Claim.version == expected)
        .values(state=target.value, version=Claim.version + 1)
        .returning(Claim)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    if moved is None:  # another transition won between our read and our update
        claim = await _fresh(session, claim_id)
        if claim is None:
            raise NotFound(f"claim {claim_id} does not exist")
        raise _stale(claim, expected)
    event = ClaimEvent(
        claim_id=claim_id,
        kind="transition",
        actor=principal.name,
        from_state=from_state,
        to_state=target.value,
        rationale=rationale,
        evidence_ids=evidence_ids,
    )
    session.add(event)
    await session.flush()
    await session.refresh(event)
    # The same claim elsewhere is offered this verdict (or, after a reopening, no longer offered it).
    await refresh_suggestions(session, await linked_ids(session, claim_id))
    await emit_claim_event(
        session, "claim.state_changed", claim_id, from_state=from_state, rationale=rationale,
        by=principal.name, at=event.created_at.isoformat(),
    )  # fmt: skip
    return moved, event


def _stale(claim: Claim, expected: int) -> PreconditionFailed:
    return PreconditionFailed(
        f"If-Match names version {expected}, but claim {claim.id} is at version {claim.version} "
        f"({claim.state}): read it again and decide on what it is now",
        extra={"current": _current(claim)},
    )
