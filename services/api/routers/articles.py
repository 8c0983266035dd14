from __future__ import annotations

from fastapi import APIRouter, Response, status

from services.api.deps import RowId, SessionDep, SettingsDep, may
from services.api.errors import error_responses
from shared.articles.ingest import ingest_article
from shared.articles.reading import read_article
from shared.articles.schemas import ArticleCreate, ArticleRead, article_read
from shared.auth.roles import Action

router = APIRouter(prefix="/v1/articles", tags=["articles"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ArticleRead,
    summary="Submit an article",
    description=(
        "Stores the article, extracts its check-worthy claims and creates a verification task for each, "
        "in one transaction. Idempotent: the same `(source, external_id)`, or the same title and body from "
        "the same source when there is no external id, returns the stored article with 200 (409 when another "
        "key submitted it)."
    ),
    responses={200: {"model": ArticleRead, "description": "Already accepted; the stored article."}}
    | error_responses(401, 403, 409, 413, 422),
)
async def submit_article(
    data: ArticleCreate,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    principal: may(Action.submit_articles),
):
    result = await ingest_article(
        session,
        data,
        max_body_bytes=settings.max_body_bytes,
        claim_threshold=settings.claim_threshold,
        submitted_by=principal.name,
    )
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return await article_read(result.article, result.claims)


@router.get(
    "/{article_id}",
    response_model=ArticleRead,
    summary="An article with its claims",
    description="An integration key reads only the articles it submitted.",
    responses=error_responses(401, 403, 404, 422),
)
async def article(article_id: RowId, session: SessionDep, principal: may(Action.read_own)):
    stored, claims = await read_article(session, article_id, submitted_by=principal.only_own)
    return await article_read(stored, claims)
