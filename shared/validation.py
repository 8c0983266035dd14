"""Field types shared by the request schemas."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, StringConstraints


def _http_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise ValueError("must not contain spaces or control characters")
    return value


# Kept as given (no normalisation), so what a newsroom sent is what it reads back.
HttpUrl = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_http_url)]
