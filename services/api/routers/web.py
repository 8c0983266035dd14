"""The fact-checkers' page: static files at `/`, and `/v1/me`, which tells the page whose key it holds."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.types import Message, Receive, Scope, Send

from services.api.asgi import HttpMiddleware, on_response_start
from services.api.deps import CallerDep
from services.api.errors import error_responses

STATIC = Path(__file__).resolve().parent.parent / "static"

router = APIRouter(tags=["page"])

# The page's scripts and styles are files of this service, nothing inline, nothing from elsewhere; it may
# not be framed. JSON answers carry the same headers, which cost nothing there.
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     b"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]  # fmt: skip


class SecurityHeaders(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        def add(message: Message) -> None:
            message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]

        await self.app(scope, receive, on_response_start(send, add))


class Me(BaseModel):
    name: str = Field(description="The key's name: who acts in the audit trail.")
    role: str = Field(description="integration, reviewer, editor or admin.")


@router.get("/v1/me", response_model=Me, summary="Whose key this is", responses=error_responses(401))
async def me(principal: CallerDep) -> Me:
    return Me(name=principal.name, role=principal.role.value)


@router.get("/", include_in_schema=False)
async def page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")
