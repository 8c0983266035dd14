"""Every request gets an id: in each log line written while it is handled, and in its `X-Request-ID` header.

A caller may send its own (a newsroom tool tracing a call through its own logs); one that is not a short
plain token is replaced, so that nothing a client sends is written into the logs as it came.
"""

from __future__ import annotations

import re
import uuid

from starlette.types import Message, Receive, Scope, Send

from services.api.asgi import HttpMiddleware, on_response_start
from shared import logs

HEADER = "x-request-id"
_TOKEN = re.compile(rb"[A-Za-z0-9._-]{1,64}")


class RequestIds(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = dict(scope["headers"]).get(HEADER.encode())
        request_id = given.decode() if given and _TOKEN.fullmatch(given) else uuid.uuid4().hex
        token = logs.request_id.set(request_id)

        def tag(message: Message) -> None:
            message["headers"] = [*message.get("headers", []), (HEADER.encode(), request_id.encode())]

        try:
            await self.app(scope, receive, on_response_start(send, tag))
        finally:
            logs.request_id.reset(token)
