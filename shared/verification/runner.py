"""One run of a verification task, in three short transactions around the network work.

Idempotent, because the queue delivers at least once: a task already done or failed is left alone, and
evidence is written with ON CONFLICT DO NOTHING on (claim, provider, url).
"""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.articles.models import Article
from shared.claims.models import Claim
from shared.evidence.models import Evidence
from shared.evidence.pipeline import Outcome
from shared.evidence.providers.base import ClaimContext, Problem
from shared.verification.models import TaskStatus, VerificationTask

FINISHED = (TaskStatus.done, TaskStatus.failed)


async def start_task(session: AsyncSession, task_id: int) -> ClaimContext | None:
    """Mark the task running and load its claim; None when there is nothing to do."""
    task = await session.scalar(select(VerificationTask).where(VerificationTask.id == task_id).with_for_update())
    if task is None or task.status in FINISHED:
        return None
    task.status = TaskStatus.running
    task.attempts += 1
    task.started_at = func.now()
    row = (
        await session.execute(
            select(Claim, Article).join(Article, Article.id == Claim.article_id).where(Claim.id == task.claim_id)
        )
    ).one()
    claim, article = row
    return ClaimContext(
        claim_id=claim.id,
        text=claim.text,
        attribution=claim.attribution,
        quantities=claim.quantities,
        language=article.language,
        article_url=article.url,
        article_links=article.links,
        article_body=article.body,
    )


async def finish_task(session: AsyncSession, task_id: int, claim_id: int, outcome: Outcome) -> None:
    if outcome.findings:
        await session.execute(
            pg_insert(Evidence)
            .values([{"claim_id": claim_id, **asdict(f)} for f in outcome.findings])
            .on_conflict_do_nothing(index_elements=[Evidence.claim_id, Evidence.provider, Evidence.url])
        )
    failed = outcome.nothing_worked
    await session.execute(
        update(VerificationTask)
        .where(VerificationTask.id == task_id, VerificationTask.status.not_in(FINISHED))
        .values(
            status=TaskStatus.failed if failed else TaskStatus.done,
            last_error=_summary(outcome.problems) if failed else None,
            problems=[asdict(p) for p in outcome.problems],
            finished_at=func.now(),
        )
    )


async def record_error(session: AsyncSession, task_id: int, reason: str, *, final: bool) -> None:
    """A run that raised: keep the reason; end the task `failed` once its retries are used up."""
    values = {"last_error": reason}
    if final:
        values |= {"status": TaskStatus.failed, "finished_at": func.now()}
    await session.execute(
        update(VerificationTask)
        .where(VerificationTask.id == task_id, VerificationTask.status.not_in(FINISHED))
        .values(**values)
    )


async def attempts_of(session: AsyncSession, task_id: int) -> int:
    return await session.scalar(select(VerificationTask.attempts).where(VerificationTask.id == task_id)) or 0


def _summary(problems: list[Problem]) -> str:
    shown = "; ".join(f"{p.url or p.provider}: {p.reason}" for p in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return f"no source could be read: {shown}{more}"
