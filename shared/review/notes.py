"""Notes on a claim: free text from a reviewer or editor, kept in the claim's audit trail (kind `note`, the
text in `rationale`). A note changes nothing about the claim, so its version stays as it is."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth.keys import Principal
from shared.claims.models import Claim
from shared.errors import NotFound
from shared.review.models import ClaimEvent


async def add_note(session: AsyncSession, principal: Principal, claim_id: int, text: str) -> ClaimEvent:
    # FOR KEY SHARE: the claim cannot disappear between this check and the insert that refers to it (and
    # transitions, which change no key, are not held up).
    exists = await session.scalar(
        select(Claim.id).where(Claim.id == claim_id).with_for_update(read=True, key_share=True)
    )
    if exists is None:
        raise NotFound(f"claim {claim_id} does not exist")
    event = ClaimEvent(claim_id=claim_id, kind="note", actor=principal.name, rationale=text)
    session.add(event)
    await session.flush()
    await session.refresh(event)
    return event
