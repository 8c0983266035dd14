"""Guards that refuse a request before it is read: too large, or without any API key."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.errors import error_response


class BodySizeLimit:
    """413 for a request body over `max_bytes`, by Content-Length or as it streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return

        seen = 0
        refused = False

        async def counted_receive() -> Message:
            # Past the limit, answer 413 now and tell the app the client went away, so it stops reading.
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes and not refused:
                    refused = True
                    await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted_receive, guarded_send)

    async def _refuse(self, send: Send) -> None:
        detail = f"the request is larger than {self.max_bytes} bytes"
        await error_response("payload_too_large", detail, 413)({"type": "http"}, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


class KeyRequired:
    """401 before anything else, for a request without a Bearer key to a path that needs one.

    The key itself is checked by the `caller` dependency; this only makes sure a request with no key at all
    is refused before its body is read or parsed (so it gets 401, never a 422 about its JSON).
    """

    def __init__(self, app: ASGIApp, open_paths: frozenset[str], open_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.open_paths = open_paths
        self.open_prefixes = open_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path not in self.open_paths and not path.startswith(self.open_prefixes):
            authorization = dict(scope["headers"]).get(b"authorization", b"")
            if authorization[:7].lower() != b"bearer ":
                detail = "an API key is required: send `Authorization: Bearer <key>`"
                await error_response("unauthenticated", detail, 401)(scope, receive, send)
                return
        await self.app(scope, receive, send)
