"""The claims as CSV: one row a claim, streamed from a server-side cursor, safe to open in a spreadsheet.

PostgreSQL writes each row as a finished CSV line, so the API only joins lines: building the cells in Python
cost 18 µs a row, seven times what the query costs, and held the export to about 55,000 rows a second.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.reports.period import Period

HEADER = (
    "claim_id", "claim", "state", "claim_created_at", "article_id", "article_title", "article_url", "source",
    "verdict_at", "reviewer", "rationale",
)  # fmt: skip
ROWS_PER_CHUNK = 2000  # rows fetched and written at a time: memory stays flat however many there are


def _text(column: str) -> str:
    """A text cell, quoted (RFC 4180: quotes doubled; commas, quotes and line breaks kept), empty for NULL.

    A cell a spreadsheet would take for a formula (or that hides one behind a tab or carriage return) gets a
    leading apostrophe: shown as written, never evaluated (OWASP's advice on CSV injection)."""
    formula = f"left({column}, 1) IN ('=', '+', '-', '@', chr(9), chr(13))"
    neutralised = f"CASE WHEN {formula} THEN '''' || {column} ELSE {column} END"
    return f"""coalesce('"' || replace({neutralised}, '"', '""') || '"', '')"""


def _time(column: str) -> str:
    """An ISO 8601 time in UTC, empty for NULL."""
    return f"""coalesce(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'), '')"""


_CELLS = [
    "c.id::text", _text("c.text"), "c.state", _time("c.created_at"), "a.id::text", _text("a.title"), _text("a.url"),
    _text("a.source"), _time("v.created_at"), _text("v.actor"), _text("v.rationale"),
]  # fmt: skip
# The verdict is the claim's last transition (when it is decided now): who gave it, when and why.
_CLAIMS = f"""
    SELECT concat_ws(',', {", ".join(_CELLS)}) || chr(13) || chr(10)
    FROM claim c JOIN article a ON a.id = c.article_id
    LEFT JOIN LATERAL (
        SELECT e.created_at, e.actor, e.rationale FROM claim_event e
        WHERE e.claim_id = c.id AND e.kind = 'transition' ORDER BY e.id DESC LIMIT 1
    ) v ON c.state <> 'unverified'
    WHERE c.created_at >= :start AND c.created_at < :end {{state}}
    ORDER BY c.created_at, c.id
"""


async def claims_csv(
    sessions: async_sessionmaker[AsyncSession], window: Period, state: str | None
) -> AsyncIterator[bytes]:
    """The CSV in chunks, header first. Its own session: the stream outlives the request's transaction."""
    query = text(_CLAIMS.format(state="AND c.state = :state" if state else ""))
    yield (",".join(HEADER) + "\r\n").encode()
    async with sessions() as session, session.begin():
        lines = await session.stream_scalars(query, {"start": window.start, "end": window.end, "state": state})
        async for chunk in lines.partitions(ROWS_PER_CHUNK):
            yield "".join(chunk).encode()
