"""Field types shared by the request schemas, and the size check on text fields.

Each type checks its values in code (for errors that say what is wrong) and says the same rule in the OpenAPI
document as a `pattern`, so that the document describes exactly what is accepted. The patterns are written
for every regular-expression dialect that reads them (ECMAScript in JSON Schema, Python, Rust): explicit
character classes with \\uXXXX escapes, no `\\s` or `\\d`, whose meaning differs between them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema

from shared.errors import PayloadTooLarge

# NUL cannot be stored in PostgreSQL text, and a lone surrogate cannot be encoded as UTF-8: both are refused
# with the field named rather than failing deep in the database driver.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def char_class(chars: str) -> str:
    """`chars` escaped for use inside [...] in any dialect, runs of consecutive characters as ranges."""
    codes = sorted(set(map(ord, chars)))
    runs: list[list[int]] = []
    for code in codes:
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in runs)


# What str.strip() removes: every character str.isspace() holds for (they all lie below U+3001).
SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_SPACE = char_class(SPACES)

# A lone surrogate cannot be written in a pattern (it means half a character in ECMAScript), so the document
# states the NUL rule only; no valid UTF-8 request can carry a lone surrogate anyway.
STORABLE_PATTERN = "^[^\\u0000]*$"


def not_blank_pattern(blank: str = SPACES) -> str:
    """Storable, and at least one character that is not in `blank`."""
    blank_class = char_class(blank)
    return f"^[{blank_class}]*[^\\u0000{blank_class}][^\\u0000]*$"


def _storable(value: str) -> str:
    if _UNSTORABLE.search(value):
        raise ValueError("must not contain NUL characters or unpaired surrogates")
    return value


def _not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Text = Annotated[str, AfterValidator(_storable), Field(json_schema_extra={"pattern": STORABLE_PATTERN})]
# Text that says something: not only white space, and stored without the white space around it. Its length
# limits count what was sent.
NonBlankText = Annotated[
    str,
    AfterValidator(_storable),
    AfterValidator(_not_blank),
    Field(json_schema_extra={"pattern": not_blank_pattern()}),
]


def _ipv6() -> str:
    """RFC 3986's IPv6address: eight groups of hex digits, or fewer around one `::`, the last 32 bits maybe
    written as an IPv4 address (without leading zeros, as Python's ipaddress reads it)."""
    h16 = "[0-9A-Fa-f]{1,4}"
    octet = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
    ls32 = f"(?:{h16}:{h16}|{octet}(?:\\.{octet}){{3}})"
    forms = [f"(?:{h16}:){{6}}{ls32}"]
    for before in range(8):  # at most `before` groups ahead of the `::`
        head = f"(?:(?:{h16}:){{0,{before - 1}}}{h16})?" if before else ""
        tail = {6: h16, 7: ""}.get(before, f"(?:{h16}:){{{5 - before}}}{ls32}")
        forms.append(f"{head}::{tail}")
    return "(?:" + "|".join(forms) + ")"


# An absolute http(s) URL with a host, and no white space or control character in it (white space around it
# is dropped). Its parts are those urllib and httpx find, so that a stored URL can be fetched later: the
# user info ends at the host's last `@`, a port is digits, brackets only enclose an IPv6 address.
_CONTROL = char_class("".join(map(chr, range(0x20))) + SPACES)
HTTP_URL_PATTERN = (
    f"^[{_SPACE}]*[Hh][Tt][Tt][Pp][Ss]?://"
    f"(?:[^/?#\\[\\]{_CONTROL}]*@)?"
    f"(?:[^/?#@:\\[\\]{_CONTROL}]+|\\[{_ipv6()}\\])"
    f"(?::[0-9]*)?"
    f"(?:[/?#][^{_CONTROL}]*)?[{_SPACE}]*$"
)
_HTTP_URL = re.compile(HTTP_URL_PATTERN)


def _http_url(value: str) -> str:
    if not _HTTP_URL.fullmatch(value):
        raise ValueError(
            "must be an absolute http(s) URL with a host, without spaces or control characters, "
            "a port of digits and brackets only around an IPv6 address"
        )
    return value.strip()


# Kept as given (no normalisation), so what a newsroom sent is what it reads back.
HttpUrl = Annotated[
    str,
    StringConstraints(max_length=2048),
    AfterValidator(_storable),
    AfterValidator(_http_url),
    Field(json_schema_extra={"pattern": HTTP_URL_PATTERN}),
]

# A moment is ISO 8601 text starting with its year, never a bare number (which a lenient parser would take
# for Unix time). Years 0002 to 9998 only: Python's calendar runs from year 1 to 9999, and a time on the
# first or last day of it can leave that range once moved to UTC (0001-01-01T00:00:00+01:00 is in year 0).
MOMENT_PATTERN = "^(?:000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-"
_MOMENT_START = re.compile(MOMENT_PATTERN)
_MOMENT_FORM = "ISO 8601 text such as 2026-11-18T09:00:00Z, in the years 0002 to 9998"


def _iso_text(value: object) -> object:
    if isinstance(value, datetime):  # made in code, not sent
        return value
    if not isinstance(value, str) or not _MOMENT_START.match(value):
        raise ValueError(f"must be {_MOMENT_FORM}")
    return value


def _utc_when_no_zone(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


Moment = Annotated[
    datetime,
    BeforeValidator(_iso_text),
    AfterValidator(_utc_when_no_zone),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "pattern": MOMENT_PATTERN, "description": f"{_MOMENT_FORM}."}
    ),
]
# Ids are PostgreSQL bigints: anything larger cannot name a row.
MAX_ID = 2**63 - 1


def ensure_fits(value: str, field: str, max_bytes: int) -> None:
    if len(value.encode()) > max_bytes:
        raise PayloadTooLarge(f"{field}: larger than {max_bytes} bytes", extra={"field": field})
