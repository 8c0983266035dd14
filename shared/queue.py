"""The message queue: one way to make the broker and one way to send a message, by actor name.

API and relay code never import worker modules; they name the actor.
"""

from __future__ import annotations

import redis
from dramatiq import Message
from dramatiq.brokers.redis import RedisBroker

VERIFY_ACTOR = "verification.verify"
VERIFY_QUEUE = "verification"
POLL_FEED_ACTOR = "feeds.poll"
FEEDS_QUEUE = "feeds"
DELIVER_ACTOR = "webhooks.deliver"
WEBHOOKS_QUEUE = "webhooks"


def create_broker(redis_url: str) -> RedisBroker:
    # A Redis that hangs must not hold the relay (and its row locks) for long.
    client = redis.Redis.from_url(redis_url, socket_timeout=10, socket_connect_timeout=5)
    # A worker that stops sending heartbeats for this long has its unacknowledged messages handed to others.
    return RedisBroker(client=client, heartbeat_timeout=30_000)


def send(broker: RedisBroker, actor_name: str, queue_name: str, *args) -> None:
    """Put one message on the queue. Arguments must be JSON-serialisable ids."""
    broker.enqueue(Message(queue_name=queue_name, actor_name=actor_name, args=args, kwargs={}, options={}))
