from __future__ import annotations

from fastapi import APIRouter

from services.api.deps import SettingsDep
from services.api.errors import error_responses
from shared.claims.extraction import extract_claims
from shared.claims.schemas import ExtractRequest, ExtractResponse
from shared.errors import PayloadTooLarge

router = APIRouter(prefix="/v1/extract", tags=["claims"])


@router.post(
    "",
    response_model=ExtractResponse,
    summary="Preview the claims of a text",
    description="Returns the claims the ingest would extract from `text`, storing nothing.",
    responses=error_responses(413, 422),
)
async def extract(data: ExtractRequest, settings: SettingsDep):
    if len(data.text.encode()) > settings.max_body_bytes:
        raise PayloadTooLarge(f"text: larger than {settings.max_body_bytes} bytes", extra={"field": "text"})
    threshold = settings.claim_threshold if data.threshold is None else data.threshold
    return ExtractResponse(claims=extract_claims(data.text, threshold=threshold))
