from __future__ import annotations

from fastapi import APIRouter

from services.api.deps import CallerDep, SettingsDep
from services.api.errors import error_responses
from shared.articles.ingest import claim_rows
from shared.claims.offload import off_loop
from shared.claims.schemas import ExtractRequest, ExtractResponse
from shared.validation import ensure_fits

router = APIRouter(prefix="/v1/extract", tags=["claims"])


@router.post(
    "",
    response_model=ExtractResponse,
    summary="Preview the claims of a text",
    description="Returns the claims the ingest would extract from `text`, storing nothing. Any valid key.",
    responses=error_responses(401, 413, 422),
)
async def extract(data: ExtractRequest, settings: SettingsDep, principal: CallerDep):
    ensure_fits(data.text, "text", settings.max_body_bytes)
    threshold = settings.claim_threshold if data.threshold is None else data.threshold
    # The rows the ingest stores, plain data: what crosses from a process of its own must not depend on
    # whether that process runs the extractor compiled or as plain Python.
    claims = await off_loop(claim_rows, data.text, threshold)
    return ExtractResponse(claims=claims)
