"""Standard Webhooks signatures (https://www.standardwebhooks.com): pure functions, no I/O.

A delivery carries `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`: one or more
`v1,<base64 of HMAC-SHA256>` separated by spaces, over the bytes `id.timestamp.body`. The secret reads
`whsec_<base64 of the key>`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60  # older or further ahead than this: refused (replays, skewed clocks)
# The headers' forms, also their `pattern`s in the OpenAPI document.
ID_PATTERN = "^[!-~]{1,255}$"  # printable ASCII, as the specification's ids are
TIMESTAMP_PATTERN = "^[0-9]{1,12}$"
_ID = re.compile(ID_PATTERN)
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)


class BadSignature(Exception):
    """Why a delivery is not believed; the message is safe to show the sender."""


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,<base64>` signature of one delivery."""
    mac = hmac.new(_key(secret), f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


@dataclass(frozen=True, slots=True)
class Delivery:
    webhook_id: str
    timestamp: str
    signatures: list[bytes]


def parse(headers: dict[str, str], now: float) -> Delivery:
    """The delivery's headers, read; raises BadSignature when they are missing, malformed or out of time."""
    webhook_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not _ID.fullmatch(webhook_id):
        raise BadSignature("missing or malformed webhook-id header")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise BadSignature("missing or malformed webhook-timestamp header (Unix seconds)")
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        raise BadSignature("webhook-timestamp is more than 5 minutes away from now")
    given = []
    for part in headers.get("webhook-signature", "").split(" ")[:16]:  # a few secrets at most are in rotation
        version, _, encoded = part.partition(",")
        if version != "v1" or not encoded:
            continue
        try:
            given.append(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            continue
    if not given:
        raise BadSignature("missing or malformed webhook-signature header (v1,<base64>)")
    return Delivery(webhook_id, timestamp, given)


def verify(secrets_: list[str], delivery: Delivery, body: bytes) -> None:
    """Raises BadSignature unless one of the delivery's signatures was made with one of ``secrets_``. Nothing
    of the body is read but its bytes."""
    signed = f"{delivery.webhook_id}.{delivery.timestamp}.".encode() + body
    expected = [hmac.new(_key(secret), signed, hashlib.sha256).digest() for secret in secrets_]
    # Every pair compared, in constant time each: how far a guess got is not told by the time taken.
    if not any([hmac.compare_digest(e, g) for e in expected for g in delivery.signatures]):
        raise BadSignature("no valid signature")
