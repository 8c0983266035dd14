"""The outbox: which verification tasks are due to be sent to the queue, and marking them sent.

A task is due when it is `pending` (written with its claim, or asked to run again), or when it has been
`queued` or `running` longer than the stuck deadline (its message or its worker was lost).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import NotFound
from shared.verification.models import TaskStatus, VerificationTask

# Raised by the database (a trigger, see the migrations) when a transaction leaves pending tasks behind.
PENDING_CHANNEL = "verification_task_pending"


async def lock_due_tasks(session: AsyncSession, *, stuck_after: timedelta, limit: int) -> list[int]:
    """Due task ids, locked for this transaction; other relays skip them rather than wait."""
    stuck = VerificationTask.updated_at < func.now() - stuck_after
    rows = await session.scalars(
        select(VerificationTask.id)
        .where(
            or_(
                VerificationTask.status == TaskStatus.pending,
                VerificationTask.status.in_([TaskStatus.queued, TaskStatus.running]) & stuck,
            )
        )
        .order_by(VerificationTask.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def mark_queued(session: AsyncSession, task_ids: list[int]) -> None:
    await session.execute(
        update(VerificationTask)
        .where(VerificationTask.id.in_(task_ids))
        .values(status=TaskStatus.queued, queued_at=func.now(), updated_at=func.now())
    )


async def request_verification(session: AsyncSession, claim_id: int) -> VerificationTask:
    """Run the claim's verification again: a finished task goes back to pending (the relay sends it).

    A task not yet finished is left as it is: it will run anyway. Evidence already stored stays, and the
    new run adds only what is new (evidence is unique per claim, provider and URL).
    """
    task = await session.scalar(select(VerificationTask).where(VerificationTask.claim_id == claim_id).with_for_update())
    if task is None:
        raise NotFound(f"claim {claim_id} does not exist or has no verification task")
    if task.status in (TaskStatus.done, TaskStatus.failed):
        task.status = TaskStatus.pending
        task.attempts = 0
        task.last_error = None
        task.finished_at = None
        await session.flush()
        await session.refresh(task)
    return task
