"""Typed dependencies: the settings and a session whose transaction is the request's unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.config import Settings
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
