"""The soak's load: the people and tools of a desk, each doing one kind of thing at a steady pace, and a record
of every answer.

- a newsroom tool posts articles with an `integration` key named as its integration (so that the webhooks it
  subscribed to fire), and now and then sends one again (200, the stored article);
- the same tool pushes a batch of articles by signed webhook and reads back what it sent;
- a reviewer reads the queue, pages through the claims, reads claims and their history, takes and releases
  claims;
- an editor moves claims round their states with If-Match (reopening them too), and now and then sends the
  ETag it has just used again, on purpose: 412 is then the right answer;
- an admin registers the integration and its subscription, and reads the deliveries.

Each kind of request is timed on its own. An answer counts as an error when it is neither 2xx nor the answer
that is right for that request; an exception (a refused connection, a timeout) is an error too.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from standardwebhooks.webhooks import Webhook

from shared.integrations.registry import EVENT_TYPES
from tests.bench import article as port_strike
from tests.soak.receiver import Receiver
from tests.support import articles
from tests.support.source_world import ARTICLES, SourceWorld

EXAMPLES_KEPT = 20  # errors quoted in the report; the rest are counted
NEXT_STATE = {"unverified": "corroborated", "corroborated": "disputed", "disputed": "unverified"}
QUEUE_VIEWS = (
    {},
    {"sort": "age"},
    {"state": "unverified", "min_score": "0.6"},
    {"suggested": "corroborated"},
    {"decided_elsewhere": "true"},
    {"source": "soak-wire", "limit": "20"},
)


class Recorder:
    """Every request's kind, latency and outcome."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.expected: Counter[tuple[str, int]] = Counter()  # (kind, status) of non-2xx answers that were right
        self.errors: Counter[str] = Counter()
        self.examples: list[str] = []

    @property
    def requests(self) -> int:
        return sum(self.counts.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def error(self, kind: str, what: str) -> None:
        self.errors[kind] += 1
        if len(self.examples) < EXAMPLES_KEPT:
            self.examples.append(f"{kind}: {what}")

    async def call(
        self, kind: str, client: httpx.AsyncClient, method: str, url: str, *, expect: frozenset[int] = frozenset(),
        **request,
    ) -> httpx.Response | None:  # fmt: skip
        """The response when it is right (one of `expect` if given, else any 2xx); None when it is an error."""
        self.counts[kind] += 1
        sent = time.perf_counter()
        try:
            response = await client.request(method, url, **request)
        except Exception as exc:  # the service did not answer: refused, reset, timed out
            self.error(kind, f"{method} {url}: {type(exc).__name__}: {exc}")
            return None
        self.latencies[kind].append(time.perf_counter() - sent)
        status = response.status_code
        if status in expect or (not expect and response.is_success):
            if not response.is_success:
                self.expected[(kind, status)] += 1
            return response
        self.error(kind, f"{method} {url} -> {status}: {response.text[:300]}")
        return None


@dataclass(frozen=True)
class Keys:
    admin: str
    editor: str
    reviewer: str
    integration: str  # an `integration` key named as the integration: what it posts is the integration's


@dataclass(frozen=True)
class Story:
    title: str
    body: str
    links: tuple[str, ...]


def stories(world: SourceWorld) -> tuple[Story, ...]:
    """Three articles the source world has sources on (the last, the 4 KB port strike, has about ten claims)."""
    wendle = next(a for a in ARTICLES if "wendle" in a.slug)
    troops = next(a for a in ARTICLES if "10000" in a.slug)
    return (
        Story(articles.TROOPS_TITLE, articles.TROOPS_BODY, (world.url(troops.path),)),
        Story("River Wendle bursts its banks", articles.BODY, (world.url(wendle.path),)),
        Story(port_strike.TITLE, port_strike.BODY, ()),
    )


@dataclass(frozen=True)
class Rates:
    articles_per_minute: float
    reads_per_second: float
    transitions_per_minute: float


class Desk:
    """The load's users and what they share: the API's clients, the keys, the claims seen so far."""

    def __init__(
        self, clients: list[httpx.AsyncClient], keys: Keys, integration_name: str, story_list: tuple[Story, ...],
        recorder: Recorder,
    ) -> None:  # fmt: skip
        self.clients = itertools.cycle(clients)  # several API processes: each request to the next
        self.keys = keys
        self.integration_name = integration_name
        self.stories = story_list
        self.recorder = recorder
        self.numbers = itertools.count()
        self.claims: list[int] = []
        self.turn = itertools.count()  # which claim the editor moves next
        self.claims_cursor: int | None = None
        self.random = random.Random(7)  # the same run, read for read, each time
        self.integration_id: int | None = None
        self.secret: str | None = None
        self.subscription_id: int | None = None

    async def call(self, kind: str, method: str, url: str, key: str, **request) -> httpx.Response | None:
        headers = {"Authorization": f"Bearer {key}", **request.pop("headers", {})}
        return await self.recorder.call(kind, next(self.clients), method, url, headers=headers, **request)

    # The admin.

    async def register_webhooks(self, hook: Receiver) -> bool:
        """The integration (every event type) and its subscription at the loopback receiver."""
        made = await self.call(
            "setup", "POST", "/v1/integrations", self.keys.admin,
            json={"name": self.integration_name, "event_types": list(EVENT_TYPES)}, expect=frozenset({201}),
        )  # fmt: skip
        if made is None:
            return False
        self.integration_id, self.secret = made.json()["id"], made.json()["secret"]
        hook.secret = self.secret
        subscribed = await self.call(
            "setup", "POST", f"/v1/integrations/{self.integration_id}/subscriptions", self.keys.admin,
            json={"url": hook.url, "event_types": list(EVENT_TYPES)}, expect=frozenset({201}),
        )  # fmt: skip
        if subscribed is None:
            return False
        self.subscription_id = subscribed.json()["id"]
        return True

    async def read_deliveries(self) -> None:
        await self.call("deliveries", "GET", f"/v1/subscriptions/{self.subscription_id}/deliveries", self.keys.admin)

    # The newsroom tool.

    def article(self, number: int) -> dict:
        story = self.stories[number % len(self.stories)]
        return {
            "title": f"{story.title} ({number})",
            "body": story.body,
            "source": "soak-wire",
            "external_id": f"soak-{number}",
            "language": "en",
            "links": list(story.links),
        }

    async def post_article(self) -> None:
        number = next(self.numbers)
        posted = await self.call(
            "article", "POST", "/v1/articles", self.keys.integration, json=self.article(number),
            expect=frozenset({201}),
        )  # fmt: skip
        if posted is not None:
            self.claims.extend(claim["id"] for claim in posted.json()["claims"])
        if number % 10 == 9:  # the tool retries one it already sent: the stored article, nothing new
            await self.call(
                "article again", "POST", "/v1/articles", self.keys.integration, json=self.article(number),
                expect=frozenset({200}),
            )  # fmt: skip

    async def push_articles(self, count: int = 2) -> None:
        """A batch by signed webhook (Standard Webhooks, signed by the reference library), then each read back."""
        body = json.dumps([self.article(next(self.numbers)) for _ in range(count)])
        webhook_id, now = f"msg_soak_{uuid.uuid4().hex}", datetime.fromtimestamp(int(time.time()), UTC)
        headers = {
            "content-type": "application/json",
            "webhook-id": webhook_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(self.secret).sign(webhook_id, now, body),
        }
        pushed = await self.recorder.call(
            "webhook in", next(self.clients), "POST", f"/v1/webhooks/{self.integration_id}/articles",
            content=body.encode(), headers=headers, expect=frozenset({200}),
        )  # fmt: skip
        if pushed is None:
            return
        for result in pushed.json()["results"]:
            if result["status"] != 201:
                self.recorder.error("webhook in", f"article {result['index']} of the batch: {result}")
                continue
            path = f"/v1/articles/{result['article_id']}"
            stored = await self.call("article read", "GET", path, self.keys.integration)
            if stored is not None:
                self.claims.extend(claim["id"] for claim in stored.json()["claims"])

    # The reviewer.

    async def read_queue(self) -> None:
        view = QUEUE_VIEWS[self.random.randrange(len(QUEUE_VIEWS))]
        await self.call("queue", "GET", "/v1/queue", self.keys.reviewer, params=view)

    async def page_claims(self) -> None:
        """The next page of all claims; from the first again after the last."""
        params = {"limit": 50} | ({"cursor": self.claims_cursor} if self.claims_cursor else {})
        page = await self.call("claims", "GET", "/v1/claims", self.keys.reviewer, params=params)
        self.claims_cursor = page.json()["next_cursor"] if page is not None else None

    async def read_claim(self) -> None:
        if not self.claims:  # nothing posted yet (the posts failed: already counted as errors)
            return
        claim_id = self.random.choice(self.claims)
        if self.random.random() < 0.75:
            await self.call("claim", "GET", f"/v1/claims/{claim_id}", self.keys.reviewer)
        else:
            await self.call("history", "GET", f"/v1/claims/{claim_id}/history", self.keys.reviewer)

    async def take_and_release(self) -> None:
        if not self.claims:
            return
        claim_id = self.random.choice(self.claims)
        if await self.call("take", "POST", f"/v1/claims/{claim_id}/take", self.keys.reviewer):
            await self.call("release", "POST", f"/v1/claims/{claim_id}/release", self.keys.reviewer)

    # The editor.

    async def move_claim(self) -> None:
        """The next claim in turn to its next state, from the version just read; every tenth move is followed
        by the same move from the same (now stale) version, which must be refused with 412."""
        if not self.claims:
            return
        turn = next(self.turn)
        claim_id = self.claims[turn % len(self.claims)]
        read = await self.call("claim", "GET", f"/v1/claims/{claim_id}", self.keys.editor)
        if read is None:
            return
        move = {"to": NEXT_STATE[read.json()["state"]], "rationale": f"Soak move {turn}: checked against the sources."}
        if_match = {"If-Match": read.headers["ETag"]}
        await self.call("transition", "POST", f"/v1/claims/{claim_id}/transitions", self.keys.editor,
                        json=move, headers=if_match)  # fmt: skip
        if turn % 10 == 0:
            await self.call(
                "transition (stale)", "POST", f"/v1/claims/{claim_id}/transitions", self.keys.editor,
                json=move, headers=if_match, expect=frozenset({412}),
            )  # fmt: skip

    # Everyone together.

    def plan(self, rates: Rates) -> list[tuple[Callable[[], Awaitable[None]], float]]:
        """Each user and the seconds between two of its turns."""
        reads = rates.reads_per_second
        return [
            (self.post_article, 60 / rates.articles_per_minute),
            (self.push_articles, 30.0),
            (self.read_queue, 3 / reads),
            (self.page_claims, 3 / reads),
            (self.read_claim, 3 / reads),
            (self.move_claim, 60 / rates.transitions_per_minute),
            (self.take_and_release, 10.0),
            (self.read_deliveries, 15.0),
        ]

    async def everything_once(self) -> None:
        """Each kind of request at least once (every story posted), one after another: the warm-up."""
        for _ in self.stories:
            await self.post_article()
        for user, _period in self.plan(Rates(1, 1, 1)):
            if user != self.post_article:
                await user()

    async def run(self, rates: Rates, deadline: float) -> None:
        await asyncio.gather(*(every(period, deadline, user) for user, period in self.plan(rates)))


async def every(period: float, deadline: float, user: Callable[[], Awaitable[None]]) -> None:
    """Call `user` every `period` seconds until `deadline` (time.monotonic); one call at a time, and a turn
    missed while a call was slow is skipped, not made up for with a burst."""
    next_turn = time.monotonic() + random.uniform(0, period)  # users out of step with each other
    while True:
        await asyncio.sleep(max(0.0, min(next_turn, deadline) - time.monotonic()))
        if time.monotonic() >= deadline:
            return
        await user()
        next_turn = max(next_turn + period, time.monotonic())
