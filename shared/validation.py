"""Field types shared by the request schemas, and the size check on text fields."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, StringConstraints

from shared.errors import PayloadTooLarge

# NUL cannot be stored in PostgreSQL text, and a lone surrogate cannot be encoded as UTF-8: both are refused
# with the field named rather than failing deep in the database driver.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def _storable(value: str) -> str:
    if _UNSTORABLE.search(value):
        raise ValueError("must not contain NUL characters or unpaired surrogates")
    return value


def _http_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise ValueError("must not contain spaces or control characters")
    return value


def _in_range(value: datetime | None) -> datetime | None:
    """Without a zone, UTC; and a moment PostgreSQL can store once turned into UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the range of dates that can be stored") from None
    return value


Text = Annotated[str, AfterValidator(_storable)]
# Kept as given (no normalisation), so what a newsroom sent is what it reads back.
HttpUrl = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_storable), AfterValidator(_http_url)]
Moment = Annotated[datetime, AfterValidator(_in_range)]
# Ids are PostgreSQL bigints: anything larger cannot name a row.
MAX_ID = 2**63 - 1


def ensure_fits(value: str, field: str, max_bytes: int) -> None:
    if len(value.encode()) > max_bytes:
        raise PayloadTooLarge(f"{field}: larger than {max_bytes} bytes", extra={"field": field})
