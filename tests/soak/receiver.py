"""The integration's end of the outbound webhooks: a loopback receiver that checks every delivery's signature
with the Standard Webhooks reference library and counts what arrives."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.support.web import Exchange, WebServer, serve

PATH = "/hook"


class Receiver:
    def __init__(self, web: WebServer) -> None:
        self.web = web
        self.url = web.url(PATH)
        self.secret: str | None = None  # the integration's, known once it is made
        self.posts = 0
        self.bad_signatures = 0
        self.webhook_ids: set[str] = set()
        self._lock = threading.Lock()  # the server answers each connection in a thread of its own

    def handle(self, ex: Exchange) -> None:
        trusted = self._verified(ex)
        with self._lock:
            self.posts += 1
            if trusted:
                self.webhook_ids.add(ex.headers["webhook-id"])
            else:
                self.bad_signatures += 1
        # Refused when not trusted: the service then tries again, and the soak sees a delivery not delivered.
        ex.start(200 if trusted else 400, {"Content-Length": "0"})

    def _verified(self, ex: Exchange) -> bool:
        if self.secret is None:
            return False
        try:
            Webhook(self.secret).verify(ex.body, ex.headers)
        except WebhookVerificationError:
            return False
        return True

    @property
    def delivered(self) -> int:
        """Distinct deliveries received (the service may send one twice; the webhook-id tells them apart)."""
        with self._lock:
            return len(self.webhook_ids)


@contextmanager
def receiver() -> Iterator[Receiver]:
    with serve() as web:
        made = Receiver(web)
        web.handle(PATH, made.handle)
        yield made
