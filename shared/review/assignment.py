"""Who works on a claim: a reviewer takes an unassigned claim and releases their own; an editor assigns and
unassigns anyone's. Every change is an `assignment` event. Assignment is not a verdict: the claim's version
(its optimistic lock) is left as it is.

Each change is one conditional UPDATE, so two reviewers taking the same claim at once cannot both get it.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth.keys import Principal
from shared.auth.models import ApiKey
from shared.auth.roles import Action, Role, can
from shared.claims.models import Claim
from shared.errors import AppError, NotFound
from shared.review.models import ClaimEvent


class AlreadyAssigned(AppError):
    """409: someone else has the claim; `assignee` names them."""

    status = 409
    code = "already_assigned"


class NotAssigned(AppError):
    """409: nobody has the claim, so there is nothing to release."""

    status = 409
    code = "not_assigned"


class NotYourClaim(AppError):
    """403: the claim is someone else's; only they release it (an editor reassigns with PUT .../assignee)."""

    status = 403
    code = "not_assignee"


class UnknownAssignee(AppError):
    """422 in the shape of a validation error: no active key of that name may review claims."""

    status = 422
    code = "invalid"


async def _fresh(session: AsyncSession, claim_id: int) -> Claim:
    claim = await session.scalar(select(Claim).where(Claim.id == claim_id).execution_options(populate_existing=True))
    if claim is None:
        raise NotFound(f"claim {claim_id} does not exist")
    return claim


async def _record(session: AsyncSession, principal: Principal, claim_id: int, assignee: str | None) -> None:
    session.add(ClaimEvent(claim_id=claim_id, kind="assignment", actor=principal.name, assignee=assignee))
    await session.flush()


def _set_assignee(claim_id: int, assignee: str | None, *conditions):
    return (
        update(Claim)
        .where(Claim.id == claim_id, *conditions)
        .values(assignee=assignee)
        .returning(Claim)
        .execution_options(populate_existing=True, synchronize_session=False)
    )


async def take(session: AsyncSession, principal: Principal, claim_id: int) -> Claim:
    """The claim, now the caller's. Taking a claim one already has changes nothing (and records nothing)."""
    taken = await session.scalar(_set_assignee(claim_id, principal.name, Claim.assignee.is_(None)))
    if taken is not None:
        await _record(session, principal, claim_id, principal.name)
        return taken
    claim = await _fresh(session, claim_id)
    if claim.assignee == principal.name:
        return claim
    raise AlreadyAssigned(
        f"claim {claim_id} is assigned to {claim.assignee}; an editor can reassign it",
        extra={"assignee": claim.assignee},
    )


async def release(session: AsyncSession, principal: Principal, claim_id: int) -> Claim:
    """The claim, unassigned, if it was the caller's."""
    released = await session.scalar(_set_assignee(claim_id, None, Claim.assignee == principal.name))
    if released is not None:
        await _record(session, principal, claim_id, None)
        return released
    claim = await _fresh(session, claim_id)
    if claim.assignee is None:
        raise NotAssigned(f"claim {claim_id} is not assigned to anyone: there is nothing to release")
    raise NotYourClaim(
        f"claim {claim_id} is assigned to {claim.assignee}, not to you: only they can release it "
        f"(an editor can reassign it with PUT /v1/claims/{claim_id}/assignee)",
        extra={"assignee": claim.assignee},
    )


async def _check_assignee(session: AsyncSession, name: str) -> None:
    roles = await session.scalars(select(ApiKey.role).where(ApiKey.name == name, ApiKey.revoked_at.is_(None)))
    if not any(can(Role(role), Action.take) for role in roles):
        message = f"no active key named {name!r} may review claims"
        raise UnknownAssignee(f"assignee: {message}", extra={"fields": [{"field": "assignee", "message": message}]})


async def assign(session: AsyncSession, principal: Principal, claim_id: int, assignee: str | None) -> Claim:
    """The claim, assigned to `assignee` (None: to nobody), whoever had it. No change, no event."""
    await _fresh(session, claim_id)  # 404 before anything else
    if assignee is not None:
        await _check_assignee(session, assignee)
    changed = await session.scalar(_set_assignee(claim_id, assignee, Claim.assignee.is_distinct_from(assignee)))
    if changed is None:
        return await _fresh(session, claim_id)  # 404, or already so
    await _record(session, principal, claim_id, assignee)
    return changed
