"""One run of a verification task, in three short transactions around the network work.

Idempotent, because the queue delivers at least once: a task already done or failed is left alone, and
evidence is written with ON CONFLICT DO NOTHING on (claim, provider, url).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.articles.models import Article
from shared.claims.models import Claim
from shared.evidence.models import Evidence
from shared.evidence.pipeline import Outcome
from shared.evidence.providers.base import ClaimContext, Problem
from shared.integrations.outbound import emit_claim_event
from shared.related.links import link_claims
from shared.verification.models import TaskStatus, VerificationTask
from shared.verification.suggestion import refresh_suggestions

FINISHED = (TaskStatus.done, TaskStatus.failed)


@dataclass(frozen=True, slots=True)
class Started:
    claim: ClaimContext
    attempt: int
    decided_claim_id: int | None = None  # a linked claim people have given a verdict
    reusable: tuple[Evidence, ...] = ()  # that claim's evidence, to read again instead of fetching


async def start_task(
    session: AsyncSession, task_id: int, *, lease: timedelta, max_attempts: int, min_similarity: float
) -> Started | None:
    """Claim the task for this run; None when there is nothing to do.

    The claim is first linked to the same claims of other articles (shared/related): a verdict people gave
    one of them becomes its suggestion, and that claim's evidence is handed over for reuse.

    Claimed atomically: a duplicate message that arrives while another run holds the task finds nothing to
    claim. A run that has held it longer than `lease` is taken to be dead (its worker was killed).
    A task that keeps killing its workers is given up after `max_attempts`.
    """
    # A Core UPDATE: it skips the ORM's per-statement setup (autoflush, syncing loaded objects), which cost more CPU
    # than the statement; safe as the first statement of the run's session. ``updated_at`` is still set (onupdate).
    task = VerificationTask.__table__
    abandoned = (task.c.status == TaskStatus.running) & (task.c.started_at < func.now() - lease)
    claimed = (
        await session.execute(
            update(task)
            .where(task.c.id == task_id, or_(task.c.status.in_([TaskStatus.pending, TaskStatus.queued]), abandoned))
            .values(status=TaskStatus.running, attempts=task.c.attempts + 1, started_at=func.now())
            .returning(task.c.claim_id, task.c.attempts)
        )
    ).one_or_none()
    if claimed is None:
        return None
    claim_id, attempt = claimed
    if attempt > max_attempts:
        await record_error(session, task_id, f"gave up after {max_attempts} attempts", final=True)
        return None
    claim, article = (
        await session.execute(
            select(Claim, Article).join(Article, Article.id == Claim.article_id).where(Claim.id == claim_id)
        )
    ).one()
    context = ClaimContext(
        claim_id=claim.id,
        text=claim.text,
        attribution=claim.attribution,
        quantities=claim.quantities,
        language=article.language,
        article_url=article.url,
        article_links=article.links,
        article_body=article.body,
    )
    decided = claim.suggested_from_claim_id
    if (await link_claims(session, [claim], min_similarity=min_similarity))[claim.id]:
        decided = (await refresh_suggestions(session, [claim.id]))[claim.id]
    if decided is None:
        return Started(context, attempt)
    reusable = await session.scalars(select(Evidence).where(Evidence.claim_id == decided).order_by(Evidence.id))
    return Started(context, attempt, decided, tuple(reusable))


async def finish_task(session: AsyncSession, task_id: int, claim_id: int, outcome: Outcome) -> None:
    # The task row first: it is locked until commit, so of two runs finishing at once (one woken past its
    # lease) only the first finishes it, and only that one tells the newsroom; the other adds no event.
    failed = outcome.nothing_worked
    task = VerificationTask.__table__  # a Core UPDATE, as in start_task (the first statement here too)
    finished = await session.scalar(
        update(task)
        .where(task.c.id == task_id, task.c.status.not_in(FINISHED))
        .values(
            status=TaskStatus.failed if failed else TaskStatus.done,
            last_error=_summary(outcome.problems) if failed else None,
            problems=[asdict(p) for p in outcome.problems],
            finished_at=func.now(),
        )
        .returning(task.c.id)
    )
    if outcome.findings:
        await session.execute(
            pg_insert(Evidence)
            .values([{"claim_id": claim_id, **asdict(f)} for f in outcome.findings])
            .on_conflict_do_nothing(index_elements=[Evidence.claim_id, Evidence.provider, Evidence.url])
        )
    await refresh_suggestions(session, [claim_id])
    if finished is not None:
        await emit_claim_event(session, "claim.evidence_ready", claim_id, evidence_found=len(outcome.findings))


async def record_error(session: AsyncSession, task_id: int, reason: str, *, final: bool) -> None:
    """A run that raised: keep the reason; `failed` once its retries are used up, else queued for the retry."""
    values = {"last_error": reason}  # an ORM UPDATE still: the error path is rare, its CPU does not show
    if final:
        values |= {"status": TaskStatus.failed, "finished_at": func.now()}
    else:
        values |= {"status": TaskStatus.queued, "queued_at": func.now()}
    await session.execute(
        update(VerificationTask)
        .where(VerificationTask.id == task_id, VerificationTask.status.not_in(FINISHED))
        .values(**values)
    )


def _summary(problems: list[Problem]) -> str:
    shown = "; ".join(f"{p.url or p.provider}: {p.reason}" for p in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return f"no source could be read: {shown}{more}"
