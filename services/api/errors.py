"""One error shape for every failure: {"error": code, "detail": message}, rendered here and only here."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount
from starlette.types import Receive, Scope, Send

from services.api.asgi import HttpMiddleware, on_response_start
from shared.db import undone_by_a_concurrent_change
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
    429: "Too many requests from this key or integration this minute; `Retry-After` says when to come back.",
    503: (
        "A dependency (database or Redis) is unreachable, or the database undid the request because a concurrent "
        "one changed the same rows (`error`: `busy`); nothing was saved: send it again."
    ),
}


def error_responses(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI `responses` for the error statuses an endpoint can return."""
    return {status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]} for status in statuses}


# Any endpoint may answer these: a request over the size limit, a caller over its rate, and the database or
# Redis being away.
COMMON_RESPONSES = {
    413: {"model": ErrorBody, "description": _DESCRIPTIONS[413]},
    429: {"model": ErrorBody, "description": _DESCRIPTIONS[429]},
    503: {"model": ErrorBody, "description": _DESCRIPTIONS[503]},
}

# Failures of the servers behind the API, not of the request: the client may try again later.
_UNAVAILABLE = (OperationalError, InterfaceError, OSError, TimeoutError, RedisConnectionError)


def error_response(code: str, detail: str, status: int, **extra) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail, **extra}, status_code=status)


def _field_name(loc: tuple) -> str:
    parts = [str(p) for p in loc if p != "body"] or ["body"]
    return ".".join(parts)


async def _app_error(request: Request, exc: AppError) -> JSONResponse:
    answer = error_response(exc.code, exc.message, exc.status, **exc.extra)
    if "retry_after" in exc.extra:  # 429: when to come back, as a header too
        answer.headers["Retry-After"] = str(exc.extra["retry_after"])
    return answer


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        reason = next(e for e in errors if e.get("type") == "json_invalid").get("ctx", {}).get("error", "")
        return error_response("invalid_json", f"the request body is not valid JSON: {reason}".rstrip(": "), 422)
    fields = [{"field": _field_name(tuple(e["loc"])), "message": e["msg"]} for e in errors]
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return error_response("invalid", detail, 422, fields=fields)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    if exc.status_code == 400 and exc.__cause__ is not None:  # FastAPI could not parse the body: say why
        cause = exc.__cause__
        if isinstance(cause, RecursionError):  # valid JSON, but deeper than a parser should follow
            return error_response("too_deep", "the request body nests arrays or objects too deeply to be read", 422)
        why = f"not valid UTF-8 ({cause.reason})" if isinstance(cause, UnicodeDecodeError) else "not valid JSON"
        return error_response("invalid_json", f"the request body is {why}", 422)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse({"error": code, "detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)


class Unexpected(HttpMiddleware):
    """What no handler above caught: a server the service needs being away (503) or a bug (500), answered in
    the error shape and logged once, here. (Starlette's own handler for these logs the error a second time,
    with its traceback, after its answer; so they never reach it.) SQL parameters, which hold article text,
    are never in the message: the engine hides them."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = []

        try:
            await self.app(scope, receive, on_response_start(send, started.append))
        except Exception as exc:
            if started:  # part of the answer is out (a stream broke off): nothing better to send
                log.warning("%s %s broke off: %s", scope["method"], scope["path"], type(exc).__name__)
                return
            if undone_by_a_concurrent_change(exc):  # and by then run again where that was safe (shared/db.py)
                log.warning("%s %s: undone by a concurrent change (%s)", scope["method"], scope["path"], _cause(exc))
                answer = error_response(
                    "busy", "a concurrent request changed the same data; nothing was saved: send it again", 503
                )
                answer.headers["Retry-After"] = "1"
            elif isinstance(exc, _UNAVAILABLE):
                log.warning("%s %s: a dependency is unavailable (%s)", scope["method"], scope["path"], _cause(exc))
                answer = error_response(
                    "unavailable", "a server the service needs is unreachable; try again shortly", 503
                )
            else:
                log.exception("%s %s: unexpected error", scope["method"], scope["path"])
                answer = error_response("internal", "an unexpected error occurred; it has been logged", 500)
            await answer(scope, receive, send)


def _cause(exc: BaseException) -> str:
    """The kind of failure, without its message (which may quote SQL or addresses): "ConnectionRefusedError"."""
    inner = getattr(exc, "orig", None) or exc.__cause__ or exc
    return type(inner).__name__


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(405, _method_not_allowed)
    app.add_middleware(Unexpected)


# Every method a route of this API may answer to.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


async def _method_not_allowed(request: Request, exc: HTTPException) -> JSONResponse:
    """405 whose Allow names every method the path answers to. Starlette's names those of the first route that
    matched the path only, and the GET and the POST of one path are two routes here."""
    allowed = [method for method in _METHODS if _answers(request, method)]
    answer = error_response("method_not_allowed", f"{request.method} is not allowed here", 405)
    allow = ", ".join(allowed) if allowed else (exc.headers or {}).get("Allow")  # the static files' own 405
    if allow:
        answer.headers["Allow"] = allow
    return answer


def _answers(request: Request, method: str) -> bool:
    """Whether a route of the API (not a mounted app, which takes any method) serves the path with `method`."""
    scope = {"type": "http", "method": method, "path": request.scope["path"], "root_path": "", "headers": []}
    routes = (route for route in request.app.router.routes if not isinstance(route, Mount))
    return any(route.matches(scope)[0] == Match.FULL for route in routes)
