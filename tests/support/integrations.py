"""An integration that hears back, and articles it sends, written straight through the service's own code."""

from __future__ import annotations

from shared.articles.ingest import ingest_article
from shared.articles.schemas import ArticleCreate
from shared.integrations import outbound
from shared.integrations.registry import create_integration
from tests.support.articles import article

LOOPBACK = {"fetch_allow_hosts": ["127.0.0.1"]}  # the tests' receivers listen on loopback


async def subscribed_integration(db, settings, name: str, url: str, event_types: list[str]) -> str:
    """An integration `name` whose articles' events of these types are sent to `url`; returns its secret."""
    allowed = settings.model_copy(update=LOOPBACK)
    async with db() as session, session.begin():
        made = await create_integration(session, allowed, name, event_types)
        await outbound.subscribe(session, allowed, made.integration.id, url, event_types)
    return made.secret


async def send_article(db, settings, sender: str, external_id: str) -> dict:
    """An article submitted by `sender`, through the ingest code every path uses; returns it as stored."""
    async with db() as session, session.begin():
        result = await ingest_article(
            session,
            ArticleCreate(**article(external_id=external_id)),
            max_body_bytes=settings.max_body_bytes,
            claim_threshold=settings.claim_threshold,
            submitted_by=sender,
        )
    return result.article
