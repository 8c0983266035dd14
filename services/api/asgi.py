"""What the service's own ASGI middlewares share: HTTP requests only, and a look at the response's start."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HttpMiddleware:
    """A middleware for HTTP requests (`handle`); anything else (lifespan) passes through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


def on_response_start(send: Send, hook: Callable[[Message], None]) -> Send:
    """`send`, letting `hook` see (and change) the response's start message before it goes out."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            hook(message)
        await send(message)

    return sending
