"""Typed dependencies: settings, a session whose transaction is the request's unit of work, and the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from shared import ratelimit
from shared.auth.keys import Principal
from shared.auth.roles import Action, can
from shared.config import Settings
from shared.errors import AppError
from shared.validation import MAX_ID


def app_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    # Committed when the endpoint returns, before the response is sent (scope="function"): a client
    # that is told 201 can rely on the data being stored.
    async with request.app.state.sessions() as session, session.begin():
        yield session


SettingsDep = Annotated[Settings, Depends(app_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

# A row id in a path: a positive bigint, else 422 (never a database error).
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer fck_...`.")


class Unauthenticated(AppError):
    status = 401
    code = "unauthenticated"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


async def caller(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("an API key is required: send `Authorization: Bearer <key>`")
    # The request's own session (FastAPI gives every dependency the same one): one connection per request.
    principal = await request.app.state.keys.authenticate(session, credentials.credentials)
    if principal is None:
        raise Unauthenticated("the API key is not valid (unknown or revoked)")
    await ratelimit.check(
        request.app.state.redis, f"key:{principal.key_id}", app_settings(request).rate_limit_per_minute
    )
    return principal


def allowed(action: Action):
    """A dependency: the caller, if their role may do `action`; else 403."""

    async def check(principal: Annotated[Principal, Depends(caller)]) -> Principal:
        if not can(principal.role, action):
            raise Forbidden(f"a {principal.role} key may not {action}")
        return principal

    return Depends(check)


def may(action: Action) -> type[Principal]:
    """`principal: may(Action.x)`: the typed caller of an endpoint that needs `action`."""
    return Annotated[Principal, allowed(action)]


# Any valid key, whatever its role.
CallerDep = Annotated[Principal, Depends(caller)]
