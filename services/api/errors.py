"""One error shape for every failure: {"error": code, "detail": message}, rendered here and only here."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from shared.errors import AppError

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    error: str = Field(description="A stable code, e.g. invalid, not_found, payload_too_large.")
    detail: str = Field(description="What was wrong, for a person.")
    fields: list[dict] | None = Field(default=None, description="With 422: each invalid field and why.")


_DESCRIPTIONS = {
    400: "Malformed request.",
    401: "No valid API key.",
    403: "The key's role does not allow this.",
    404: "No such resource.",
    409: "Conflicts with the current state.",
    412: "The If-Match version is stale.",
    413: "The request or the article body is too large.",
    422: "Invalid JSON or an invalid field; `fields` names each.",
    428: "If-Match is required.",
    503: "A dependency (database or Redis) is unreachable.",
}


def error_responses(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI `responses` for the error statuses an endpoint can return."""
    return {status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]} for status in statuses}


def _body(code: str, detail: str, status: int, **extra) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail, **extra}, status_code=status)


def _field_name(loc: tuple) -> str:
    parts = [str(p) for p in loc if p != "body"] or ["body"]
    return ".".join(parts)


async def _app_error(request: Request, exc: AppError) -> JSONResponse:
    return _body(exc.code, exc.message, exc.status, **exc.extra)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        reason = next(e for e in errors if e.get("type") == "json_invalid").get("ctx", {}).get("error", "")
        return _body("invalid_json", f"the request body is not valid JSON: {reason}".rstrip(": "), 422)
    fields = [{"field": _field_name(tuple(e["loc"])), "message": e["msg"]} for e in errors]
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return _body("invalid", detail, 422, fields=fields)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    if isinstance(exc.__cause__, UnicodeDecodeError):  # FastAPI's "error parsing the body", made precise
        return _body("invalid_json", f"the request body is not valid UTF-8: {exc.__cause__.reason}", 422)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse({"error": code, "detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _body("internal", "an unexpected error occurred; it has been logged", 500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
